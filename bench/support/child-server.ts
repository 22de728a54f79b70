/**
 * A server under test in its own process, so its memory (RSS, peak RSS) is its own and the load generator
 * (autocannon, in the parent) does not share its event loop. The child is a bench/servers/*.ts file: it listens on
 * port 0, sends `{ url }` once listening, then answers `{ id, call, args }` messages with `{ id, result | error }`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const serversDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'servers');

export interface Memory { rssMiB: number; peakRssMiB: number }

export interface ChildServer {
  url: string;
  call<T>(name: string, ...args: unknown[]): Promise<T>;
  memory(): Promise<Memory>;
  stop(): Promise<void>;
}

export async function startChildServer(file: string, env: NodeJS.ProcessEnv = {}): Promise<ChildServer> {
  const child: ChildProcess = fork(path.join(serversDir, file), [], {
    execArgv: ['--import', 'tsx'], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
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
