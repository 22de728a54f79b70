import type { Observation } from '../../db/models/observation.js';

/** What decides whether two readings are one measurement, and where each was recorded. */
export type MeasuredReading = Pick<Observation, 'code' | 'effectiveAt' | 'valueNumber' | 'valueUnit' | 'components' | 'source'>;

/**
 * Two readings within a minute of each other are one measurement when code and value agree: a device's clock and
 * a partner's copy of it differ by seconds, while a patient measuring again minutes later is a new measurement.
 */
const SAME_MEASUREMENT_MS = 60_000;

/** The value of a reading as one comparable string: the single value and unit, or each component's. */
function valueKey(reading: MeasuredReading): string {
  if (reading.valueNumber !== null) return `${reading.valueNumber} ${reading.valueUnit ?? ''}`;
  const components = JSON.parse(reading.components ?? '[]') as Array<{ code: string; value: number; unit: string }>;
  return components.map((c) => `${c.code}=${c.value} ${c.unit}`).sort().join(';');
}

export interface Measurement<T extends MeasuredReading> {
  /** The reading that stands for the measurement: the one recorded here when there is one. */
  reading: T;
  /** The other records of the same measurement (a partner's copy), in the order they came. */
  copies: T[];
}

/**
 * Each measurement once, in the order of the readings given (the first record of each measurement keeps its
 * place): readings of one patient imported from partners are grouped with the local reading they copy.
 */
export function distinctMeasurements<T extends MeasuredReading>(readings: T[]): Measurement<T>[] {
  const measurements: Measurement<T>[] = [];
  const byValue = new Map<string, Measurement<T>[]>();
  for (const reading of readings) {
    const key = `${reading.code}|${valueKey(reading)}`;
    const candidates = byValue.get(key) ?? [];
    const same = candidates.find((m) => Math.abs(m.reading.effectiveAt.getTime() - reading.effectiveAt.getTime()) <= SAME_MEASUREMENT_MS);
    if (!same) {
      const measurement = { reading, copies: [] };
      measurements.push(measurement);
      byValue.set(key, [...candidates, measurement]);
    } else if (same.reading.source !== null && reading.source === null) {
      // The local record stands for the measurement; the partner's becomes its copy.
      same.copies.push(same.reading);
      same.reading = reading;
    } else {
      same.copies.push(reading);
    }
  }
  return measurements;
}
