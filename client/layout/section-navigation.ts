/**
 * The navigation of a role's home: a link to the summary and to each section on the page, named by the
 * section's own heading (so a section another page adds is listed without touching this file). On a phone it is
 * a row of buttons that scrolls on its own; the page never scrolls sideways.
 */
import { el } from '../dom.js';
import { t } from '../i18n/index.js';

export function sectionNavigation(home: HTMLElement, summaryId: string | null): HTMLElement {
  const sections = [...home.querySelectorAll<HTMLElement>(':scope > section[id][aria-labelledby]')].filter((s) => s.id !== summaryId);
  const link = (id: string, words: string) => el('li', {}, el('a', { href: `#${id}`, 'data-section': id }, words));
  const links = sections.map((section) => {
    const heading = document.getElementById(section.getAttribute('aria-labelledby')!);
    return link(section.id, heading?.textContent ?? section.id);
  });
  const nav = el('nav', { id: 'role-nav', class: 'role-nav', 'aria-label': t.app.navigation },
    el('ul', {}, ...(summaryId ? [link(summaryId, t.nav.home)] : []), ...links));
  // In-page links, not routes: the address keeps a deep link (`#visit/…`) it may carry, and focus goes to the section.
  nav.addEventListener('click', (event) => {
    const target = (event.target as HTMLElement).closest('a');
    if (!target) return;
    event.preventDefault();
    const section = document.getElementById(target.dataset.section!);
    if (!section) return;
    section.tabIndex = -1;
    section.scrollIntoView({ block: 'start' });
    section.focus({ preventScroll: true });
  });
  return nav;
}
