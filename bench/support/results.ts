/**
 * The figures a benchmark hands to `npm run bench` (bench/run.ts): one line each on stdout, `BENCH-FIGURE {json}`
 * or `BENCH-RATIO {json}`, which run.ts collects into bench/results/<date>-<dialect>.json and its markdown table.
 * A benchmark run on its own prints them too, harmlessly.
 */
import autocannon from 'autocannon';

export interface Figure {
  /** What was measured, e.g. "read by id, Patient, 1,000 rows". */
  case: string;
  /** Who served it: "ours", "bare", "medplum". */
  server: string;
  requestsPerSecond?: number;
  p50?: number;
  p97_5?: number;
  p99?: number;
  non2xx?: number;
  errors?: number;
  /** A figure that is not a request rate (e.g. resources imported per second), with its unit. */
  value?: number;
  unit?: string;
  rssMiB?: number;
  peakRssMiB?: number;
}

export interface Ratio {
  name: string;
  value: number;
  /** The target, as text ("≥ 0.9") and as a check. */
  target: string;
  meets: boolean;
}

export function recordFigure(figure: Figure): void {
  console.log(`BENCH-FIGURE ${JSON.stringify(figure)}`);
}

export function recordRatio(name: string, value: number, target: string, meets: (value: number) => boolean): Ratio {
  const ratio = { name, value: Number(value.toFixed(3)), target, meets: Number.isFinite(value) && meets(value) };
  console.log(`BENCH-RATIO ${JSON.stringify(ratio)}`);
  return ratio;
}

/** How many answers of each status autocannon saw, so a failing run says what failed (429: a rate limit; 404: an unknown id). */
export function statusesOf(result: autocannon.Result): Record<string, number> {
  return Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([status, stats]) => [status, stats.count ?? 0]));
}

export interface LoadRequest { method: 'GET' | 'POST'; path: string; body?: string; headers?: Record<string, string> }

/** autocannon at `connections` for `seconds`, `next()` giving each request; the figure is printed and recorded. */
export async function load(
  kase: string, server: string, url: string, next: () => LoadRequest, connections: number, seconds: number,
): Promise<Figure> {
  const result = await autocannon({
    url, connections, duration: seconds, timeout: 30,
    requests: [{ setupRequest: (request) => ({ ...request, ...next() }) }],
  });
  const figure: Figure = {
    case: kase, server, requestsPerSecond: Math.round(result.requests.average), p50: result.latency.p50,
    p97_5: result.latency.p97_5, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors + result.timeouts,
  };
  console.log(`  ${kase.padEnd(44)} ${server.padEnd(8)} ${String(figure.requestsPerSecond).padStart(6)} req/s`
    + `  p50 ${String(figure.p50).padStart(4)}  p97.5 ${String(figure.p97_5).padStart(4)}  p99 ${String(figure.p99).padStart(4)} ms`
    + `  non-2xx ${figure.non2xx}  errors ${figure.errors}`
    + (figure.non2xx ? `  statuses ${JSON.stringify(statusesOf(result))}` : ''));
  recordFigure(figure);
  return figure;
}
