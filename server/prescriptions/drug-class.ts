/**
 * The duplicate-therapy rule the pharmacist's review shows: two medicines of the same ATC chemical subgroup (the
 * 4th level, five characters: C09AA is "ACE inhibitors, plain") taken at once are usually one too many.
 * Source: WHO Collaborating Centre, "Guidelines for ATC classification and DDD assignment", structure of the code.
 */
const ATC_CODE = /^[A-Z]\d{2}[A-Z]{2}/;

/** The ATC class (level 4) of a drug code, or undefined for a code that is not ATC. */
export function atcClassOf(code: string | null | undefined): string | undefined {
  const upper = code?.trim().toUpperCase() ?? '';
  return ATC_CODE.test(upper) ? upper.slice(0, 5) : undefined;
}

export interface ClassedDrug {
  drugCode: string | null;
  drugName: string;
}

export interface DuplicateClass<Other extends ClassedDrug = ClassedDrug> {
  atcClass: string;
  /** The line of the prescription under review. */
  lineNo: number;
  drugName: string;
  /** What it duplicates: a medicine the patient already takes, or another line of the same prescription. */
  duplicates: Other | { lineNo: number; drugCode: string; drugName: string };
}

/**
 * Each line that shares its ATC class with a current medicine, or with an earlier line of the same prescription.
 * The same drug again counts too: a second supply of what the patient already has is for the pharmacist to see.
 */
export function duplicateClasses<Other extends ClassedDrug>(
  lines: { lineNo: number; drugCode: string; drugName: string }[], current: Other[],
): DuplicateClass<Other>[] {
  const found: DuplicateClass<Other>[] = [];
  lines.forEach((line, i) => {
    const atcClass = atcClassOf(line.drugCode);
    if (!atcClass) return;
    const same = [...current.filter((m) => atcClassOf(m.drugCode) === atcClass), ...lines.slice(0, i).filter((l) => atcClassOf(l.drugCode) === atcClass)];
    for (const duplicates of same) found.push({ atcClass, lineNo: line.lineNo, drugName: line.drugName, duplicates });
  });
  return found;
}
