import { expect } from 'chai';
import { atMostEvery, everyInterval } from '../../server/operations/background-loop.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('background loop', () => {
  it('when a tick outlasts the interval, then the next beats are skipped: two ticks never run at once', async () => {
    let running = 0;
    let most = 0;
    let ticks = 0;
    const loop = everyInterval(5, async () => {
      running++;
      most = Math.max(most, running);
      ticks++;
      await sleep(30);
      running--;
    }, () => undefined);
    while (ticks < 3) await sleep(5);
    await loop.stop();
    expect(most).to.equal(1);
  });

  it('when stopped during a tick, then stop() resolves only after that tick has finished, and no tick starts after', async () => {
    const events: string[] = [];
    const loop = everyInterval(5, async () => {
      events.push('tick started');
      await sleep(50);
      events.push('tick finished');
    }, () => undefined);
    while (events.length === 0) await sleep(1);
    await loop.stop();
    events.push('stopped');
    await sleep(30);
    expect(events).to.deep.equal(['tick started', 'tick finished', 'stopped']);
  });

  it('when a tick fails, then the error is reported and the loop goes on', async () => {
    const errors: unknown[] = [];
    let ticks = 0;
    const loop = everyInterval(5, async () => {
      ticks++;
      throw new Error(`tick ${ticks} failed`);
    }, (error) => errors.push(error));
    while (ticks < 3) await sleep(2);
    await loop.stop();
    expect(errors.length).to.be.at.least(2);
    expect((errors[0] as Error).message).to.equal('tick 1 failed');
  });

  it('when request-path housekeeping is asked for often, then it runs at most once per interval, with the caller\'s clock', async () => {
    const ran: number[] = [];
    const purge = atMostEvery(1000, async (now) => { ran.push(now); });
    for (const now of [5000, 5500, 5999, 6000, 6100, 7000]) await purge(now);
    expect(ran).to.deep.equal([5000, 6000, 7000]);
  });
});
