/**
 * The language switch in the page's header: "English" / "中文", each named in its own language. The choice is
 * remembered for this browser and the page is drawn again in it (the session carries on: it is in a cookie).
 */
import { el } from '../dom.js';
import { locale, t } from './index.js';
import { LOCALES, rememberLocale, type Locale } from './locale.js';

const NAMES: Record<Locale, { name: string; lang: string }> = { en: { name: 'English', lang: 'en' }, 'zh-CN': { name: '中文', lang: 'zh-CN' } };

export function languageChoice(): HTMLElement {
  const choice = el('select', { id: 'language-choice', name: 'language' },
    ...LOCALES.map((code) => el('option', { value: code, lang: NAMES[code].lang, selected: code === locale }, NAMES[code].name)));
  choice.addEventListener('change', () => {
    rememberLocale(choice.value as Locale);
    location.reload();
  });
  return el('label', { class: 'language' }, `${t.app.language} `, choice);
}

/** Marks the document with the page's language (screen readers, fonts, hyphenation) and names it. */
export function applyLanguage(title: string = t.app.name): void {
  document.documentElement.lang = locale;
  document.title = title;
}
