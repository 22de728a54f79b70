/**
 * What an alert found, in the page's language (issue 14): the server sends numbers and units
 * (server/monitoring/contract.ts `AlertFinding`), the catalogue's `alertFinding` says them, with the page's number
 * format and units as people write them ("mmHg", never `mm[Hg]`).
 */
import type { AlertFinding } from '../../server/monitoring/contract.js';
import { numberWords } from '../i18n/format.js';
import { t } from '../i18n/index.js';
import { quantityWords } from './reading-kinds.js';

const pressureWords = (systolic: number, diastolic: number) => quantityWords(`${numberWords(systolic)}/${numberWords(diastolic)}`, 'mm[Hg]');

/** The finding in a sentence, or nothing for an alert raised before findings were recorded. */
export function findingWords(finding: AlertFinding | null): string {
  if (!finding) return '';
  const words = t.alertFinding;
  switch (finding.kind) {
    case 'bp-crisis': {
      const v = finding.values;
      return words['bp-crisis'](pressureWords(v.systolic, v.diastolic), quantityWords(numberWords(v.crisisSystolic), 'mm[Hg]'),
        quantityWords(numberWords(v.crisisDiastolic), 'mm[Hg]'));
    }
    case 'bp-stage-2': {
      const v = finding.values;
      return words['bp-stage-2'](pressureWords(v.systolic, v.diastolic), numberWords(v.readings), numberWords(v.days),
        pressureWords(v.stage2Systolic, v.stage2Diastolic));
    }
    default: {
      const v = finding.values;
      return words[finding.kind](quantityWords(numberWords(v.value), v.unit), quantityWords(numberWords(v.thresholdMgDl), 'mg/dL'));
    }
  }
}
