/**
 * The English words a page in Chinese still shows (issue 14 "Language": every word from the catalogue). Read from
 * what a person meets: the text of visible elements, the options of its lists, and the `aria-label`, `title`,
 * `placeholder` and `alt` a screen reader or a pointer reveals. The page's data (names, e-mails, drug names,
 * what a doctor typed) is the test's to name and is taken out first; proper nouns, brands and units people
 * write in Latin letters in Chinese too are allowed.
 */
import type { Page } from 'playwright-core';

/** Written in Latin letters in Chinese text as well: units, file types, brands, the language switch's "English". */
export const LATIN_IN_CHINESE = new Set([
  'mmHg', 'mg', 'dL', 'mmol', 'kg', 'lb', 'KB', 'MB', 'PDF', 'PNG', 'JPEG', 'QR', 'English', 'ICD', 'Omron',
  // UTC offsets ("UTC+8") are written so in Chinese too.
  'CSV', 'UTC',
]);

export interface EnglishWordsOptions {
  /** The part of the page to read (the whole body unless said). */
  root?: string;
  /** Parts of it that another change is putting into words, left out until it lands. */
  skip?: string[];
  /** The page's data shown as it was entered (names, e-mails, drug names, free text), taken out before reading. */
  data?: string[];
}

/**
 * Runs in the page: the text nodes and the visible attributes of `root`, less `skip`. A string, not a function:
 * the test runner's compiler would name the inner functions with a helper the page does not have.
 */
const READ_TEXTS = `(({ root, skip }) => {
  const found = [];
  const skipped = (element) => skip.some((selector) => element.closest(selector));
  const seen = (element) => element.closest('option') !== null || element.checkVisibility();
  for (const scope of document.querySelectorAll(root)) {
    const walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!parent || ['SCRIPT', 'STYLE', 'TEMPLATE'].includes(parent.tagName) || skipped(parent) || !seen(parent)) continue;
      found.push(node.textContent ?? '');
    }
    for (const element of [scope, ...scope.querySelectorAll('*')]) {
      if (skipped(element) || !seen(element)) continue;
      for (const name of ['aria-label', 'title', 'placeholder', 'alt']) {
        const value = element.getAttribute(name);
        if (value) found.push(value);
      }
    }
  }
  return found;
})`;

export async function englishWordsOn(page: Page, { root = 'body', skip = [], data = [] }: EnglishWordsOptions = {}): Promise<string[]> {
  const texts = await page.evaluate<string[]>(`${READ_TEXTS}(${JSON.stringify({ root, skip })})`);
  let text = texts.join('\n');
  for (const value of [...data].filter(Boolean).sort((a, b) => b.length - a.length)) text = text.split(value).join(' ');
  const words = text.match(/[A-Za-z]{2,}(?:['’-][A-Za-z]+)*/g) ?? [];
  return [...new Set(words)].filter((word) => !LATIN_IN_CHINESE.has(word));
}
