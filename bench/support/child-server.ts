/**
 * A server under test in its own process, so its memory (RSS, peak RSS) is its own and the load generator
 * (autocannon, in the parent) does not share its event loop. The child is a bench/servers/*.ts file: it listens on
 * port 0, sends `{ url }` once listening, then answers `{ id, call, args }` messages with `{ id, result | error }`.
 *
 * Every server runs as `npm start` runs the node: compiled to JavaScript (bench/tsconfig.servers.json, into dist/, once
 * per benchmark process), started by plain `node` with at most two malloc arenas (`MALLOC_ARENA_MAX=2`, package.json;
 * Medplum's and the bare baseline's processes too, so the RSS figures compare the same allocator). Under tsx each
 * process, and each of its worker threads, carried the loader, its hooks thread and the transformed sources: about
 * 85 MiB more RSS for our node (docs/performance.md "Beside Medplum").
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { recordFigure } from './results.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const compiledServersDir = path.join(root, 'dist', 'bench', 'servers');

let compiled: Promise<void> | undefined;
function compileServers(): Promise<void> {
  return compiled ??= new Promise((resolve, reject) => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    spawn(process.execPath, [tsc, '-p', path.join(root, 'bench', 'tsconfig.servers.json')], { cwd: root, stdio: 'inherit' })
      .once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`compiling the bench servers: tsc exited with ${code}`))));
  });
}

export interface Memory { rssMiB: number; peakRssMiB: number }

export interface ChildServer {
  url: string;
  call<T>(name: string, ...args: unknown[]): Promise<T>;
  memory(): Promise<Memory>;
  stop(): Promise<void>;
}

export async function startChildServer(file: string, env: NodeJS.ProcessEnv = {}): Promise<ChildServer> {
  await compileServers();
  const child: ChildProcess = fork(path.join(compiledServersDir, file.replace(/\.ts$/, '.js')), [], {
    execArgv: [], env: { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2', ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 0;
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code} before listening`)));
    child.on('message', (message: { url?: string; id?: number; result?: unknown; error?: string }) => {
      if (message.url) resolve(message.url);
      if (message.id === undefined) return;
      const waiting = pending.get(message.id);
      pending.delete(message.id);
      if (message.error !== undefined) waiting?.reject(new Error(`${file}: ${message.error}`));
      else waiting?.resolve(message.result);
    });
  });
  const call = <T>(name: string, ...args: unknown[]) => new Promise<T>((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    child.send({ id, call: name, args });
  });
  return {
    url, call,
    memory: () => call<Memory>('memory'),
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The child's side: listen, announce the URL, and serve the parent's calls with `handlers`. */
export async function serveParent(
  listen: () => Promise<string>, handlers: Record<string, (...args: never[]) => unknown>, close: () => Promise<void> = async () => undefined,
): Promise<void> {
  const all: Record<string, (...args: never[]) => unknown> = {
    ...handlers,
    memory: (): Memory => ({
      rssMiB: Math.round(process.memoryUsage.rss() / 1048576),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  };
  process.on('message', async (message: { id: number; call: string; args: never[] }) => {
    try {
      const handler = all[message.call];
      if (!handler) throw new Error(`no call ${message.call}`);
      process.send!({ id: message.id, result: await handler(...message.args) });
    } catch (error) {
      process.send!({ id: message.id, error: (error as Error).stack ?? String(error) });
    }
  });
  process.once('SIGTERM', () => { void close().finally(() => process.exit(0)); });
  // A parent that dies (a benchmark that threw) takes its servers with it.
  process.once('disconnect', () => { void close().finally(() => process.exit(0)); });
  process.send!({ url: await listen() });
}

/**
 * Runs `work`, then prints and records the event loop delay of `server` over it (a server that answers
 * `eventLoopDelay`: our node, bench/servers/hospital.ts).
 */
export async function withEventLoopDelay<T>(server: ChildServer, label: string, work: () => Promise<T>): Promise<T> {
  await server.call('eventLoopDelay');
  const result = await work();
  const delay = await server.call<{ p50: number; p99: number; max: number }>('eventLoopDelay');
  console.log(`  ${`event loop delay, ${label}`.padEnd(44)} ours     p50 ${delay.p50}  p99 ${delay.p99}  max ${delay.max} ms`);
  recordFigure({ case: `event loop delay, ${label} (ms)`, server: 'ours', p50: delay.p50, p99: delay.p99, value: delay.max, unit: 'ms (max)' });
  return result;
}
