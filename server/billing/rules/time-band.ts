import type { CatalogueEntry } from '../catalogue.js';
import { Unprocessable } from '../../http/errors.js';

/**
 * Time bands are data (DESIGN.md): the level of a time-based code is the highest band whose minimum the minutes
 * reach; below every band, the lowest band (which the minutes rule then refuses). A doctor may choose a lower
 * level of the same family, never a higher one (422).
 */
export function levelOf(family: CatalogueEntry[], minutes: number, chosenCode?: string): CatalogueEntry {
  const bands = [...family].sort((a, b) => (a.minMinutes ?? 0) - (b.minMinutes ?? 0));
  const reached = bands.filter((b) => (b.minMinutes ?? 0) <= minutes).pop() ?? bands[0];
  if (chosenCode === undefined || chosenCode === reached.code) return reached;
  const chosen = bands.find((b) => b.code === chosenCode);
  if (!chosen) {
    throw new Unprocessable('level-not-in-family', `${chosenCode} is not a level of this visit's codes (${bands.map((b) => b.code).join(', ')}).`);
  }
  if ((chosen.minMinutes ?? 0) > (reached.minMinutes ?? 0)) {
    throw new Unprocessable('level-above-minutes', `${chosenCode} needs ${chosen.minMinutes} min; the visit reaches ${reached.code} with ${minutes} min. A doctor may choose a lower level, never a higher one.`);
  }
  return chosen;
}

/** Whether the minutes fall inside one of the family's bands (between its minimum and maximum). */
export const withinABand = (family: CatalogueEntry[], minutes: number) =>
  family.some((b) => (b.minMinutes ?? 0) <= minutes && (b.maxMinutes === null || minutes <= b.maxMinutes));
