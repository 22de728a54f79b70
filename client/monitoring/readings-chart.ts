/**
 * Home readings as a chart over time (Chart.js, only the pieces a line chart needs are registered, so esbuild
 * bundles no more): blood pressure with the care plan's thresholds as dashed lines, glucose, weight and heart
 * rate, over 7, 30 or 90 days (read once for 90 days with the care plan; a period is cut from them). Glucose sent in
 * mmol/L is drawn in mg/dL, the axis and the thresholds' unit (./chart-values.ts). The server lists each measurement once (a partner's copy of a local reading is
 * named under `alsoFrom`), so each is one point; a partner's reading is drawn as a triangle and named in the
 * tooltip. A sentence and a table under the canvas say the same for screen readers and for anyone who prefers it.
 */
import { Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, type ChartDataset } from 'chart.js';
import type { MonitoringTargets } from '../../server/monitoring/care-plan.js';
import { api, messageOf } from '../api.js';
import { zonedTime } from '../appointments/local-time.js';
import { alertLine, el } from '../dom.js';
import { momentWords, numberWords, shortDayWords } from '../i18n/format.js';
import { t } from '../i18n/index.js';
import { glucoseMgDl, readingsOfPeriod } from './chart-values.js';
import { hospitalWords, READING_KINDS, unitWord, valueWords, whereWords, type ReadingView } from './reading-kinds.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, Tooltip, Legend);

const DAY = 86_400_000;
export const CHART_RANGES = [7, 30, 90] as const;
type Range = (typeof CHART_RANGES)[number];
/** The longest period: what the chart reads, once. */
const READ_DAYS = Math.max(...CHART_RANGES);
const TICK_DAYS: Record<Range, number> = { 7: 1, 30: 7, 90: 14 };

/** A line of the chart: one value of each reading of the kind (a blood pressure gives two lines). */
interface Series { label: string; colour: string; valueOf(reading: ReadingView): number | null }

interface ChartKind {
  key: string;
  /** Glucose is sent under two LOINC codes (blood 2339-0, capillary 15074-8). */
  codes: string[];
  unit: string;
  series: Series[];
  thresholds(targets: MonitoringTargets): Array<{ label: string; value: number }>;
}

const component = (code: string) => (r: ReadingView) => r.components?.find((c) => c.code === code)?.value ?? null;
const single = (r: ReadingView) => r.value;
const shown = (value: number) => numberWords(value);

/** Colours at AA contrast against white (the chart's background). */
const COLOURS = { first: '#0b5d7a', second: '#8a3b00', threshold: '#b00020', caution: '#5c4300' };

const KINDS: ChartKind[] = [
  {
    key: 'blood-pressure', codes: [READING_KINDS['blood-pressure']!.code], unit: 'mm[Hg]',
    series: [
      { label: t.charts.systolic, colour: COLOURS.first, valueOf: component('8480-6') },
      { label: t.charts.diastolic, colour: COLOURS.second, valueOf: component('8462-4') },
    ],
    thresholds: ({ bloodPressure: bp }) => [
      { label: t.charts.threshold.crisisSystolic(shown(bp.crisisSystolic)), value: bp.crisisSystolic },
      { label: t.charts.threshold.stage2Systolic(shown(bp.stage2Systolic)), value: bp.stage2Systolic },
      { label: t.charts.threshold.stage2Diastolic(shown(bp.stage2Diastolic)), value: bp.stage2Diastolic },
    ],
  },
  {
    key: 'glucose', codes: [READING_KINDS.glucose!.code, '15074-8'], unit: 'mg/dL',
    series: [{ label: READING_KINDS.glucose!.label, colour: COLOURS.first, valueOf: glucoseMgDl }],
    thresholds: ({ glucose }) => [
      { label: t.charts.threshold.glucoseVeryHigh(shown(glucose.veryHighMgDl)), value: glucose.veryHighMgDl },
      ...(glucose.highMgDl === null ? [] : [{ label: t.charts.threshold.glucoseHigh(shown(glucose.highMgDl)), value: glucose.highMgDl }]),
      { label: t.charts.threshold.glucoseLow(shown(glucose.lowMgDl)), value: glucose.lowMgDl },
    ],
  },
  {
    key: 'weight', codes: [READING_KINDS.weight!.code], unit: 'kg',
    series: [{ label: READING_KINDS.weight!.label, colour: COLOURS.first, valueOf: single }], thresholds: () => [],
  },
  {
    key: 'heart-rate', codes: [READING_KINDS['heart-rate']!.code], unit: '/min',
    series: [{ label: READING_KINDS['heart-rate']!.label, colour: COLOURS.first, valueOf: single }], thresholds: () => [],
  },
];

const kindLabel = (kind: ChartKind) => READING_KINDS[kind.key]!.label;
const fromPartner = (r: ReadingView) => r.origin.kind === 'partner';

export interface ReadingsChartOptions {
  patientId: string;
  timeZone: string;
  /** Keeps the ids unique where the chart is placed ("my" on the patient's page, "care" in the doctor's workspace). */
  idPrefix: string;
  title: string;
}

export interface ReadingsChart { element: HTMLElement; reload(): Promise<void> }

export function readingsChart({ patientId, timeZone, idPrefix, title }: ReadingsChartOptions): ReadingsChart {
  const id = (name: string) => `${idPrefix}-chart-${name}`;
  const problem = alertLine();
  const summary = el('p', { id: id('summary'), 'aria-live': 'polite' });
  const canvas = el('canvas', { role: 'img', 'aria-describedby': summary.id });
  const box = el('div', { class: 'chart-box' }, canvas);
  const tableArea = el('div');
  const details = el('details', { class: 'chart-table' }, el('summary', {}, t.charts.showTable), tableArea);
  let range: Range = 30;
  let kind = KINDS[0]!;
  let readings: ReadingView[] = [];
  let targets: MonitoringTargets | undefined;
  let loadedAt = Date.now();
  let chart: Chart<'line', Array<{ x: number; y: number }>> | undefined;

  const pressed = (buttons: HTMLButtonElement[], chosen: HTMLButtonElement) => {
    for (const button of buttons) button.setAttribute('aria-pressed', String(button === chosen));
  };
  const kindButtons = KINDS.map((k) => el('button', { type: 'button', class: 'secondary', 'data-kind': k.key, 'aria-pressed': String(k === kind) }, kindLabel(k)));
  const rangeButtons = CHART_RANGES.map((days) => el('button', { type: 'button', class: 'secondary', 'data-range': days, 'aria-pressed': String(days === range) },
    t.charts.rangeDays(days)));
  const element = el('div', { id: id('readings'), class: 'readings-chart', 'aria-labelledby': id('title') },
    el('h3', { id: id('title') }, title),
    el('div', { class: 'controls', role: 'group', 'aria-label': t.charts.kindGroup }, ...kindButtons),
    el('div', { class: 'controls', role: 'group', 'aria-label': t.charts.rangeGroup }, ...rangeButtons),
    problem, summary, box, el('p', {}, t.charts.partnerMark), details);

  function pointsOf(series: Series, shownReadings: ReadingView[]) {
    return shownReadings.flatMap((r) => {
      const y = series.valueOf(r);
      return y === null ? [] : [{ x: Date.parse(r.effectiveAt), y, reading: r }];
    });
  }

  function datasets(shownReadings: ReadingView[], from: number, to: number): Array<ChartDataset<'line', Array<{ x: number; y: number }>>> {
    const lines = kind.series.map((series) => {
      const points = pointsOf(series, shownReadings);
      return {
        label: series.label, data: points.map(({ x, y }) => ({ x, y })), borderColor: series.colour, backgroundColor: series.colour,
        pointStyle: points.map((p) => (fromPartner(p.reading) ? 'triangle' : 'circle')),
        pointRadius: points.map((p) => (fromPartner(p.reading) ? 7 : 4)), borderWidth: 2,
      };
    });
    const thresholds = targets ? kind.thresholds(targets).map((line) => ({
      label: line.label, data: [{ x: from, y: line.value }, { x: to, y: line.value }], borderColor: COLOURS.threshold,
      backgroundColor: COLOURS.threshold, borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0, pointHitRadius: 0,
    })) : [];
    return [...lines, ...thresholds];
  }

  function table(shownReadings: ReadingView[]) {
    const newestFirst = [...shownReadings].reverse();
    return el('table', {},
      el('caption', {}, t.charts.caption(kindLabel(kind), range)),
      el('thead', {}, el('tr', {}, ...t.charts.columns.map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, ...newestFirst.map((r) => el('tr', { 'data-reading': r.id, 'data-origin': r.origin.kind },
        el('td', {}, zonedTime(r.effectiveAt, timeZone)), el('td', {}, valueWords(r)), el('td', {}, whereWords(r))))));
  }

  function summaryWords(shownReadings: ReadingView[]) {
    if (shownReadings.length === 0) return t.charts.none(kindLabel(kind), range);
    const first = kind.series[0]!;
    const values = shownReadings.map(first.valueOf).filter((v): v is number => v !== null);
    const extreme = (pick: (...numbers: number[]) => number) => shownReadings.find((r) => first.valueOf(r) === pick(...values))!;
    return t.charts.summary(kindLabel(kind), range, shownReadings.length, `${valueWords(shownReadings.at(-1)!)} (${momentWords(shownReadings.at(-1)!.effectiveAt, timeZone)})`,
      valueWords(extreme(Math.min)), valueWords(extreme(Math.max)));
  }

  function draw() {
    const to = loadedAt;
    const from = to - range * DAY;
    const shownReadings = readingsOfPeriod(readings, kind.codes, range, to);
    summary.textContent = summaryWords(shownReadings);
    canvas.setAttribute('aria-label', summary.textContent);
    canvas.dataset.points = String(shownReadings.length);
    tableArea.replaceChildren(shownReadings.length ? table(shownReadings) : el('p', {}, t.charts.none(kindLabel(kind), range)));
    chart?.destroy();
    chart = new Chart<'line', Array<{ x: number; y: number }>>(canvas, {
      type: 'line',
      data: { datasets: datasets(shownReadings, from, to) },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false, parsing: false,
        scales: {
          // Ticks on whole days (multiples of a day from the epoch), a week or two apart on the longer ranges.
          x: {
            type: 'linear', min: from, max: to,
            ticks: { stepSize: DAY * TICK_DAYS[range], maxTicksLimit: 8, callback: (value) => shortDayWords(new Date(Number(value)).toISOString(), timeZone) },
          },
          y: { title: { display: true, text: unitWord(kind.unit) }, ticks: { callback: (value) => numberWords(Number(value)) } },
        },
        plugins: {
          legend: { labels: { usePointStyle: true, font: { size: 14 } } },
          tooltip: {
            callbacks: {
              title: (items) => (items[0] ? momentWords(new Date(items[0].parsed.x ?? 0).toISOString(), timeZone) : ''),
              label: (item) => {
                const value = `${item.dataset.label}: ${numberWords(item.parsed.y ?? 0)} ${unitWord(kind.unit)}`;
                const reading = item.datasetIndex < kind.series.length ? pointsOf(kind.series[item.datasetIndex]!, shownReadings)[item.dataIndex]?.reading : undefined;
                return reading && fromPartner(reading) ? `${value} (${t.charts.pointWhere(hospitalWords(reading.origin))})` : value;
              },
            },
          },
        },
      },
    });
  }

  async function reload() {
    problem.textContent = '';
    summary.textContent = t.charts.loading;
    loadedAt = Date.now();
    const from = new Date(loadedAt - READ_DAYS * DAY).toISOString();
    const base = `/api/patients/${encodeURIComponent(patientId)}`;
    try {
      const [listed, plan] = await Promise.all([
        api<ReadingView[]>(`${base}/readings?from=${encodeURIComponent(from)}&limit=1000`),
        api<{ targets: MonitoringTargets }>(`${base}/care-plan`).catch(() => undefined),
      ]);
      readings = listed;
      targets = plan?.targets;
      draw();
      if (!plan) problem.textContent = t.charts.thresholdsMissing;
    } catch (error) {
      summary.textContent = '';
      problem.textContent = messageOf(error);
    }
  }

  kindButtons.forEach((button, i) => button.addEventListener('click', () => {
    kind = KINDS[i]!;
    pressed(kindButtons, button);
    draw();
  }));
  rangeButtons.forEach((button, i) => button.addEventListener('click', () => {
    range = CHART_RANGES[i]!;
    pressed(rangeButtons, button);
    draw();
  }));
  return { element, reload };
}
