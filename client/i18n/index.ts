/**
 * The page's words: `t` is the catalogue of the chosen language (./locale.ts), `t.booking.title` a string and
 * `t.booking.zoneNote(zone)` a sentence built around a value. Refusals of the API are translated by their code.
 */
import { en, type Messages } from './en.js';
import { chosenLocale, type Locale } from './locale.js';
import { zhCN } from './zh-CN.js';

export type { Locale } from './locale.js';
export type { Messages } from './en.js';

const CATALOGUES: Record<Locale, Messages> = { en, 'zh-CN': zhCN };

export const locale: Locale = chosenLocale();
export const t: Messages = CATALOGUES[locale];

/** A word for a code from one of the catalogue's tables, or the code itself in readable form. */
export const wordOf = (table: Record<string, string>, code: string | null | undefined) =>
  (code ? table[code] ?? code.replaceAll('-', ' ') : '');
