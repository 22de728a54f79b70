/**
 * The language of the pages: Simplified Chinese or English, the one the person chose on this browser
 * (remembered in localStorage), otherwise the first of the browser's languages we have, otherwise English.
 */
export type Locale = 'en' | 'zh-CN';

export const LOCALES: readonly Locale[] = ['en', 'zh-CN'];
const STORAGE_KEY = 'hospital.locale';

/** `zh`, `zh-CN`, `zh-Hans-…` read as Simplified Chinese; `zh-TW`/`zh-HK`/`zh-Hant` too, as the nearest we have. */
export function localeOf(languages: readonly string[]): Locale {
  for (const language of languages) {
    const lower = language.toLowerCase();
    if (lower === 'zh' || lower.startsWith('zh-')) return 'zh-CN';
    if (lower === 'en' || lower.startsWith('en-')) return 'en';
  }
  return 'en';
}

function storedLocale(): Locale | null {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    return LOCALES.includes(stored as Locale) ? stored as Locale : null;
  } catch {
    return null;
  }
}

export const chosenLocale = (): Locale => storedLocale() ?? localeOf(navigator.languages ?? [navigator.language]);

/** Remembers the choice for this browser; the page is then drawn again in it. */
export function rememberLocale(locale: Locale): void {
  try {
    localStorage.setItem(STORAGE_KEY, locale);
  } catch {
    // Storage refused (private mode): the choice holds for this page only.
  }
}
