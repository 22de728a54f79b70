/**
 * The work's result, or `late` when it takes longer than `ms`: a probe or a scrape answers in bounded time even
 * when the database does not (the work itself is not cancelled; its later failure is ignored).
 */
export async function within<T, L>(ms: number, work: Promise<T>, late: L): Promise<T | L> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<L>((resolve) => { timer = setTimeout(() => resolve(late), ms); });
  work.catch(() => undefined);
  try {
    return await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
