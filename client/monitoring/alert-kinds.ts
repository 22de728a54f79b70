/** The kinds of home-monitoring alert in words for staff pages (server/monitoring/alerts.ts raises them). */
const KIND_WORDS: Record<string, string> = {
  'bp-crisis': 'Blood pressure crisis',
  'bp-stage-2': 'Blood pressure at stage 2',
  'glucose-very-low': 'Very low glucose',
  'glucose-low': 'Low glucose',
  'glucose-very-high': 'Severely high glucose',
  'glucose-high': 'Glucose above target',
};

export const alertKindWords = (kind: string) => KIND_WORDS[kind] ?? kind;
