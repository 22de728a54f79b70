/** A small element builder: text children are set as text, never parsed as HTML. */
import { momentWords } from './i18n/format.js';

type Attributes = Record<string, string | number | boolean | undefined>;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Array<Node | string | null | undefined>): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined) element.append(child);
  return element;
}

/** A date and time in the page's language (in `zone`, else the browser's), with the exact instant in `datetime`. */
export function timeOf(iso: string, zone?: string): HTMLTimeElement {
  return el('time', { datetime: iso }, momentWords(iso, zone));
}

/** A line for errors that screen readers announce as soon as it changes. */
export const alertLine = () => el('p', { role: 'alert', class: 'problem' });

/** Disables the buttons while `work` runs, so one click is one request. */
export async function whileBusy(buttons: HTMLButtonElement[], work: () => Promise<void>): Promise<void> {
  for (const button of buttons) button.disabled = true;
  try {
    await work();
  } finally {
    for (const button of buttons) button.disabled = false;
  }
}

/** Tells every page section that shows what `event` names (appointments, disputes …) to reload. */
export const announce = (event: string) => document.dispatchEvent(new Event(event));

/** Runs `reload` whenever `event` is announced, for as long as `section` is on the page. */
export function reloadOn(event: string, section: HTMLElement, reload: () => void): void {
  const listener = () => {
    if (section.isConnected) reload();
    else document.removeEventListener(event, listener);
  };
  document.addEventListener(event, listener);
}
