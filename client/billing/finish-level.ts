/**
 * The doctor's billing level at "Finish the visit" (docs/billing.md "The level"): the level the visit's minutes
 * reach, said in plain words (where the minutes come from, which family of codes, what the next level needs), and
 * a choice of that level or a lower one. The server decides with the same facts (GET /api/visits/{id}/billing-level)
 * and refuses a higher level with 422 `level-above-minutes`, which the workspace shows in the page's language.
 */
import { api } from '../api.js';
import { el, whileBusy } from '../dom.js';
import { t } from '../i18n/index.js';
import { serviceCodeWords } from './service-codes.js';
import type { VisitLevel } from '../../server/billing/level-contract.js';

/** The sentences that explain the level, one a line. */
function explanation(level: VisitLevel): string[] {
  if (!level.levels.length) return [t.billing.chinaItem];
  const mode = t.billing.contactMode[level.contactMode] ?? level.contactMode;
  const minutes = level.minutesSource === 'video-session' ? t.billing.videoMinutes(level.connectedMinutes)
    : level.documentedMinutes === null ? t.billing.noNoteMinutes(mode) : t.billing.noteMinutes(mode, level.documentedMinutes);
  const index = level.levels.findIndex((b) => b.code === level.reached);
  const reached = level.levels[index]!;
  const next = level.levels[index + 1];
  const band = level.minutes < reached.minMinutes ? [t.billing.belowAll(reached.code, reached.minMinutes)]
    : [t.billing.reaches(reached.code, reached.minMinutes), ...(next ? [t.billing.nextNeeds(next.code, next.minMinutes)] : [])];
  return [minutes, level.establishedPatient ? t.billing.established : t.billing.newPatient, ...band, t.billing.lowerOnly];
}

/**
 * The level's part of the workspace, shown while `finish` (the Finish button) is. `choice()` is the finish's body:
 * a lower level when the doctor chose one; otherwise nothing, so the server bills what the minutes reach at the
 * moment of finishing (they may have grown since this was read).
 */
export function finishLevel(visitId: string, finish: HTMLButtonElement) {
  const words = el('div', { class: 'level-explanation' });
  const select = el('select', { id: 'finish-level-choice', name: 'level' });
  const choose = el('p', { hidden: true }, el('label', { for: select.id }, t.billing.chooseLevel), ' ', select);
  const refresh = el('button', { type: 'button', class: 'secondary' }, t.billing.levelRefresh);
  const element = el('section', { id: 'finish-level', 'aria-labelledby': 'finish-level-title' },
    el('h4', { id: 'finish-level-title' }, t.billing.levelTitle), words, choose, el('div', { class: 'controls' }, refresh));
  let reached: string | null = null;
  let loaded = false;

  async function load() {
    loaded = true;
    try {
      const level = await api<VisitLevel>(`/api/visits/${encodeURIComponent(visitId)}/billing-level`);
      const kept = select.value;
      reached = level.reached;
      words.replaceChildren(...explanation(level).map((line) => el('p', {}, line)));
      // Only the reached level and those below it are offered: a higher one is never the doctor's to choose.
      const allowed = level.levels.slice(0, level.levels.findIndex((b) => b.code === level.reached) + 1).reverse();
      select.replaceChildren(...allowed.map((b) => el('option', { value: b.code },
        `${t.billing.levelOption(b.code, serviceCodeWords(b.code, b.display), b.minMinutes)}${b.code === level.reached ? t.billing.reachedMark : ''}`)));
      select.value = allowed.some((b) => b.code === kept) ? kept : level.reached ?? '';
      choose.hidden = !allowed.length;
    } catch {
      reached = null;
      choose.hidden = true;
      words.replaceChildren(el('p', {}, t.billing.levelUnavailable));
    }
  }

  const follow = () => {
    element.hidden = finish.hidden;
    if (!finish.hidden && !loaded) void load();
  };
  new MutationObserver(follow).observe(finish, { attributes: true, attributeFilter: ['hidden'] });
  refresh.addEventListener('click', () => void whileBusy([refresh], load));
  queueMicrotask(follow);

  return {
    element,
    choice: (): { level?: string } => (!choose.hidden && select.value && select.value !== reached ? { level: select.value } : {}),
  };
}
