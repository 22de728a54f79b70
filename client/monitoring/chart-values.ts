/**
 * What the readings chart (./readings-chart.ts) plots, as pure functions: each kind on one unit (glucose sent in
 * mmol/L, as capillary meters often do, is drawn on the mg/dL axis of the care plan's thresholds), and the readings
 * of a period cut from the 90 days the chart reads once.
 */
import { GLUCOSE_MG_DL_PER_MMOL_L } from '../../server/monitoring/reading-codes.js';
import type { ReadingView } from './reading-kinds.js';

const DAY = 86_400_000;

/** A glucose reading in mg/dL, whichever unit it was sent in; null when it carries no value. */
export function glucoseMgDl(reading: Pick<ReadingView, 'value' | 'unit'>): number | null {
  if (reading.value === null) return null;
  return reading.unit === 'mmol/L' ? Math.round(reading.value * GLUCOSE_MG_DL_PER_MMOL_L * 10) / 10 : reading.value;
}

/** The readings of the kind's codes measured in the last `days` days before `now`, oldest first. */
export function readingsOfPeriod<R extends Pick<ReadingView, 'code' | 'effectiveAt'>>(readings: R[], codes: string[], days: number, now: number): R[] {
  const from = now - days * DAY;
  return readings.filter((r) => codes.includes(r.code) && Date.parse(r.effectiveAt) >= from && Date.parse(r.effectiveAt) <= now)
    .sort((a, b) => Date.parse(a.effectiveAt) - Date.parse(b.effectiveAt));
}
