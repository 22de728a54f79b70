/** DESIGN.md "E-prescriptions" (R): the limits of an online prescription. */
export const prescriptionLimits = {
  maxLines: 5,
  /** Supply without a chronic-condition reason. */
  maxSupplyDays: 7,
  /** Supply with a chronic-condition reason: 12 weeks. */
  maxChronicSupplyDays: 84,
  maxValidityDays: 3,
} as const;
