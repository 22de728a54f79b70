/** Work a process does on a timer, besides answering requests. */
export interface BackgroundWorker {
  /** Stops the timer and resolves once a tick that is running has finished (so the database can close). */
  stop(): Promise<void>;
}

/**
 * Runs `tick` every `intervalMs`, never two at once: a tick still running when the next is due skips that beat.
 * A failing tick goes to `onError` and the loop goes on. The timer does not keep the process alive.
 */
export function everyInterval(intervalMs: number, tick: () => Promise<unknown>, onError: (error: unknown) => void): BackgroundWorker {
  let running: Promise<void> | null = null;
  let stopped = false;
  const timer = setInterval(() => {
    if (stopped || running) return;
    running = tick().then(() => undefined, onError).finally(() => { running = null; });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

/**
 * Housekeeping done on the request path (purging expired rows), at most once every `intervalMs` per process: the
 * first call runs `work`, later calls return at once until the interval has passed. `now` is the caller's clock.
 */
export function atMostEvery(intervalMs: number, work: (now: number) => Promise<unknown>): (now?: number) => Promise<void> {
  let next = 0;
  return async (now = Date.now()) => {
    if (now < next) return;
    next = now + intervalMs;
    await work(now);
  };
}
