/**
 * The home readings a patient sends, as the form asks for them and as `POST /api/patients/{id}/readings` takes
 * them: LOINC codes and UCUM units from server/monitoring/reading-codes.ts (docs/consultations.md "Home monitoring").
 */
import { numberWords } from '../i18n/format.js';
import { t } from '../i18n/index.js';

export interface ReadingField {
  name: string;
  label: string;
  unit: string;
  /** Where the server's `errors[].expression` points for this field (`components[0].value` → `components[0]`). */
  expression: string;
  /** The component's LOINC code, for a panel. */
  component?: string;
}

export interface ReadingKind {
  label: string;
  code: string;
  fields: ReadingField[];
}

export const READING_KINDS: Record<string, ReadingKind> = {
  'blood-pressure': {
    label: t.readings.kind['blood-pressure']!, code: '85354-9', fields: [
      { name: 'systolic', label: t.readings.field.systolic!, unit: 'mm[Hg]', expression: 'components[0]', component: '8480-6' },
      { name: 'diastolic', label: t.readings.field.diastolic!, unit: 'mm[Hg]', expression: 'components[1]', component: '8462-4' },
    ],
  },
  glucose: { label: t.readings.kind.glucose!, code: '2339-0', fields: [{ name: 'glucose', label: t.readings.field.glucose!, unit: 'mg/dL', expression: 'value' }] },
  'heart-rate': {
    label: t.readings.kind['heart-rate']!, code: '8867-4',
    fields: [{ name: 'heart-rate', label: t.readings.field['heart-rate']!, unit: '/min', expression: 'value' }],
  },
  weight: { label: t.readings.kind.weight!, code: '29463-7', fields: [{ name: 'weight', label: t.readings.field.weight!, unit: 'kg', expression: 'value' }] },
};

/** The reading's value part of the request body, from the numbers typed in the kind's fields. */
export function readingValue(kind: ReadingKind, values: number[]) {
  const [first] = kind.fields;
  if (!first!.component) return { code: kind.code, value: values[0], unit: first!.unit };
  return { code: kind.code, components: kind.fields.map((f, i) => ({ code: f.component!, value: values[i]!, unit: f.unit })) };
}

/** UCUM units as people write them, in a value or in a server message ("400 mm[Hg]" → "400 mmHg"). */
export const unitWords = (text: string) => text.replace(/mm\[Hg\]|\/min|\[lb_av\]/g, (unit) => t.readings.units[unit]!);

/** One unit in words ("mmHg", "beats per minute"/"次/分"). */
export const unitWord = (unit: string | null | undefined) => (unit ? t.readings.units[unit] ?? unit : '');

/** A number already in the page's format with its UCUM unit in words: "190/125 mmHg", "72 次/分". */
export const quantityWords = (value: string, unit: string | null | undefined) => `${value} ${unitWord(unit)}`.trim();

export interface ReadingView {
  id: string;
  code: string;
  display: string;
  effectiveAt: string;
  value: number | null;
  unit: string | null;
  components: Array<{ code: string; value: number; unit: string }> | null;
  /** null: a partner hospital did not say how it was measured. */
  entryMethod: 'device' | 'typed' | null;
  deviceName: string | null;
  source: string | null;
  origin: ReadingOrigin;
  /** Other hospitals that sent the same measurement (shown once). */
  alsoFrom: ReadingOrigin[];
}

type ReadingOrigin = { kind: 'this-hospital' } | { kind: 'partner'; partnerName: string | null; fhirBaseUrl: string };

/** Where a reading was recorded, in words: "this hospital", or the partner by its registered name. */
export const hospitalWords = (origin: ReadingOrigin) =>
  (origin.kind === 'partner' ? origin.partnerName ?? t.readings.partnerHospital : t.readings.thisHospital);

/** Where the measurement was taken, and which partner also sent it. */
export const whereWords = (r: Pick<ReadingView, 'origin' | 'alsoFrom'>) =>
  [hospitalWords(r.origin), r.alsoFrom.length ? t.readings.alsoFrom(r.alsoFrom.map(hospitalWords).join(', ')) : ''].filter(Boolean).join(' ');

/** "Blood pressure", "Blood glucose" …, or the server's display for a code the form does not offer. */
export const readingName = (reading: Pick<ReadingView, 'code' | 'display'>) =>
  Object.values(READING_KINDS).find((k) => k.code === reading.code)?.label ?? reading.display;

/** "190/125 mmHg", "110 mg/dL", "72 beats per minute". */
export function valueWords(reading: ReadingView): string {
  if (reading.components) return quantityWords(reading.components.map((c) => numberWords(c.value)).join('/'), reading.components[0]?.unit);
  return quantityWords(reading.value === null ? '' : numberWords(reading.value), reading.unit);
}
