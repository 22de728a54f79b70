import type { ErrorDetail } from '../http/errors.js';

/** A UCUM unit a reading may be sent in, with the range a living patient's value can fall in. */
interface UnitRange {
  unit: string;
  min: number;
  max: number;
}

interface ComponentDefinition {
  code: string;
  display: string;
  units: UnitRange[];
}

export interface ReadingDefinition {
  code: string;
  display: string;
  category: 'vital-signs' | 'laboratory';
  /** A single value (glucose, heart rate, weight) … */
  units?: UnitRange[];
  /** … or a panel of components (blood pressure). */
  components?: ComponentDefinition[];
}

const MM_HG = (min: number, max: number): UnitRange[] => [{ unit: 'mm[Hg]', min, max }];

/**
 * Home readings accepted, by LOINC code (loinc.org), with UCUM units (ucum.org). The plausible ranges are the
 * measuring ranges of home devices: they refuse typing errors and faulty devices, not abnormal values (an abnormal
 * value inside the range is what raises an alert). Each range names its source.
 */
export const READINGS: Record<string, ReadingDefinition> = {
  '85354-9': {
    code: '85354-9', display: 'Blood pressure panel with all children optional', category: 'vital-signs',
    // Validated upper-arm monitors (IEC 80601-2-30; e.g. Omron M7: cuff pressure 0–299 mmHg) read no higher than 299.
    components: [
      { code: '8480-6', display: 'Systolic blood pressure', units: MM_HG(40, 299) },
      { code: '8462-4', display: 'Diastolic blood pressure', units: MM_HG(20, 200) },
    ],
  },
  // Home glucose meters (ISO 15197:2013; e.g. Accu-Chek Guide 10–600 mg/dL = 0.6–33.3 mmol/L) show LO/HI outside it.
  '2339-0': { code: '2339-0', display: 'Glucose [Mass/volume] in Blood', category: 'laboratory', units: [{ unit: 'mg/dL', min: 10, max: 600 }] },
  '15074-8': { code: '15074-8', display: 'Glucose [Moles/volume] in Blood', category: 'laboratory', units: [{ unit: 'mmol/L', min: 0.6, max: 33.3 }] },
  // Home pulse oximeters (ISO 80601-2-61; e.g. Nonin 3230: 18–321 /min) bound what a device can report.
  '8867-4': { code: '8867-4', display: 'Heart rate', category: 'vital-signs', units: [{ unit: '/min', min: 20, max: 300 }] },
  // Bathroom scales weigh to 150–250 kg; 500 kg leaves room for bariatric scales, 1 kg for a newborn's scale.
  '29463-7': {
    code: '29463-7', display: 'Body weight', category: 'vital-signs',
    units: [{ unit: 'kg', min: 1, max: 500 }, { unit: 'g', min: 1000, max: 500_000 }, { unit: '[lb_av]', min: 2, max: 1100 }],
  },
};

/** The definition of a LOINC code, if it is a home reading; the code is the client's, so only own keys count. */
export function readingDefinition(code: string): ReadingDefinition | undefined {
  return Object.hasOwn(READINGS, code) ? READINGS[code] : undefined;
}

/** mg/dL per mmol/L of glucose (molar mass 180.16 g/mol). */
export const GLUCOSE_MG_DL_PER_MMOL_L = 18.016;

export interface MeasuredValue {
  code: string;
  value: number;
  unit: string;
}

/** Checks a value against its definition's UCUM units and plausible range; returns the problems found. */
export function valueProblems(where: string, what: string, units: UnitRange[], measured: { value: number; unit: string }): ErrorDetail[] {
  const range = units.find((u) => u.unit === measured.unit);
  if (!range) {
    return [{ expression: `${where}.unit`, message: `${what} must be in ${units.map((u) => u.unit).join(' or ')} (UCUM); got "${measured.unit}"` }];
  }
  if (!Number.isFinite(measured.value) || measured.value < range.min || measured.value > range.max) {
    return [{ expression: `${where}.value`, message: `${what} of ${measured.value} ${range.unit} is not plausible (accepted: ${range.min}–${range.max} ${range.unit})` }];
  }
  return [];
}

export function componentDefinitions(definition: ReadingDefinition) {
  return definition.components ?? [];
}
