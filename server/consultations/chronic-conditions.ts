/**
 * Chronic conditions followed up online, as ICD-10 code ranges (inclusive, by category: I10 covers I10.x).
 * Source: ICD-10 (WHO 2019) chapter blocks; the list is the hospital's policy and can be replaced.
 */
export interface ChronicCondition {
  from: string;
  to: string;
  display: string;
}

export const DEFAULT_CHRONIC_CONDITIONS: ChronicCondition[] = [
  { from: 'I10', to: 'I15', display: 'Hypertensive diseases' },
  { from: 'E11', to: 'E11', display: 'Type 2 diabetes mellitus' },
  { from: 'J44', to: 'J44', display: 'Chronic obstructive pulmonary disease' },
  { from: 'I25', to: 'I25', display: 'Chronic ischaemic heart disease' },
  { from: 'N18', to: 'N18', display: 'Chronic kidney disease' },
];

/** The chronic condition an ICD-10 code falls under, if any (`I10`, `I11.9`, `E11.65` …). */
export function chronicConditionOf(code: string, list = DEFAULT_CHRONIC_CONDITIONS): ChronicCondition | undefined {
  const category = code.trim().toUpperCase().slice(0, 3);
  return list.find((c) => category >= c.from && category <= c.to);
}
