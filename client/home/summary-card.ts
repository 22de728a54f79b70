/** A card of a home's summary: a heading, the figure or line it shows, and what follows from it. */
import { el } from '../dom.js';
import { t } from '../i18n/index.js';

export interface SummaryCard {
  element: HTMLElement;
  show(...content: Array<Node | string>): void;
  unavailable(): void;
}

export function summaryCard(id: string, title: string): SummaryCard {
  const body = el('div', { class: 'summary-body' });
  const element = el('div', { class: 'summary-card', id, 'aria-labelledby': `${id}-title`, role: 'group' },
    el('h3', { id: `${id}-title` }, title), body);
  return {
    element,
    show: (...content) => body.replaceChildren(...content),
    unavailable: () => body.replaceChildren(el('p', {}, t.summary.notAvailable)),
  };
}

/** A count in large type, with its words for screen readers in the card's heading. */
export const countOf = (n: number) => el('p', { class: 'summary-count' }, t.summary.count(n));
