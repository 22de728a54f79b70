import { fails, qualifies, type VisitRule } from './rule-result.js';

/** A time-based code needs at least its minimum minutes (CMS/AMA time thresholds for E/M by total time). */
export const minutesMinimum: VisitRule = (facts, entry, minutes) => {
  if (entry.minMinutes === null) return qualifies('minutes-minimum', `${entry.code} has no minimum time.`);
  const source = facts.minutesSource === 'video-session' ? 'connected in the video session' : 'documented in the signed note';
  return minutes >= entry.minMinutes
    ? qualifies('minutes-minimum', `${minutes} min ${source} reach the ${entry.minMinutes} min of ${entry.code}.`)
    : fails('minutes-minimum', 'minutes-below-minimum', `${minutes} min ${source} are below the ${entry.minMinutes} min that ${entry.code} needs.`);
};
