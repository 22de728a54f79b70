import { expect } from 'chai';
import { TooManyRequests } from '../../server/http/errors.js';
import { LoginThrottle } from '../../server/http/login-throttle.js';
import { describeOnEachDatabase } from '../support/test-node.js';

describeOnEachDatabase('login throttle (shared by every process of a node)', (hospital) => {
  const refused = async (work: Promise<unknown>) => {
    try {
      await work;
    } catch (error) {
      return error as TooManyRequests;
    }
    return undefined;
  };
  const outcomes = (works: Array<Promise<unknown>>) => Promise.all(works.map(refused));

  it('when an account uses up its attempts, then the next is refused until the window passes; a success clears it', async () => {
    const throttle = new LoginThrottle(hospital().db, 3, 60);
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) await throttle.reserve('a@x|1', t0);
    const error = await refused(throttle.reserve('a@x|1', t0 + 1000));
    expect(error).to.be.instanceOf(TooManyRequests);
    expect(error?.retryAfterSeconds).to.equal(59);
    expect(await refused(throttle.reserve('b@x|1', t0)), 'another account is not affected').to.equal(undefined);
    expect(await refused(throttle.reserve('a@x|1', t0 + 61_000)), 'a new window starts at one attempt').to.equal(undefined);
    expect(await refused(throttle.reserve('a@x|1', t0 + 62_000))).to.equal(undefined);
    expect(await refused(throttle.reserve('a@x|1', t0 + 62_000))).to.equal(undefined);
    expect(await refused(throttle.reserve('a@x|1', t0 + 62_000))).to.be.instanceOf(TooManyRequests);

    await throttle.reserve('c@x|1', t0);
    await throttle.succeed(await throttle.reserve('c@x|1', t0)); // a mistyped password, then the right one
    for (let i = 0; i < 3; i++) {
      expect(await refused(throttle.reserve('c@x|1', t0)), `attempt ${i + 1} after a success`).to.equal(undefined);
    }
  });

  it('when attempts arrive at two instances at once, then exactly the limit of them is let through', async () => {
    const one = new LoginThrottle(hospital().db, 5, 60);
    const two = new LoginThrottle(hospital().db, 5, 60);
    const now = Date.now();
    const results = await outcomes(Array.from({ length: 30 }, (_, i) => (i % 2 ? one : two).reserve('d@x|2', now)));
    expect(results.filter((r) => r === undefined)).to.have.length(5);
    expect(results.filter((r) => r instanceof TooManyRequests)).to.have.length(25);
    const stored = await hospital().db.models.LoginFailure.findAll();
    expect(stored.map((r) => r.throttleKey).join(' '), 'no address in clear').to.not.include('d@x');
  });

  it('when many attempts arrive together just after the window closed, then one opens the next and the limit holds', async () => {
    const throttle = new LoginThrottle(hospital().db, 4, 60);
    const t0 = Date.now();
    for (let i = 0; i < 4; i++) await throttle.reserve('e@x|3', t0);
    const results = await outcomes(Array.from({ length: 20 }, () => throttle.reserve('e@x|3', t0 + 60_001)));
    expect(results.filter((r) => r === undefined)).to.have.length(4);
    const windows = await hospital().db.models.LoginFailure.findAll();
    expect(windows.filter((w) => w.resetAt.getTime() === t0 + 60_001 + 60_000), 'the new window runs from the rollover').to.have.length(1);
  });

  it('when a right password is checked while later attempts were reserved, or as the last allowed one, then its success does not reopen the window', async () => {
    const throttle = new LoginThrottle(hospital().db, 3, 60);
    const now = Date.now();
    const right = await throttle.reserve('f@x|4', now); // the right password, still being checked
    await throttle.reserve('f@x|4', now); // a guess reserved after it
    await throttle.succeed(right);
    await throttle.reserve('f@x|4', now);
    expect(await refused(throttle.reserve('f@x|4', now)), 'the window ran out as it would have').to.be.instanceOf(TooManyRequests);
    expect(await refused(throttle.reserve('f@x|4', now + 60_001)), 'until the window passes').to.equal(undefined);

    const last = new LoginThrottle(hospital().db, 2, 60);
    await last.reserve('g@x|5', now);
    await last.succeed(await last.reserve('g@x|5', now));
    expect(await refused(last.reserve('g@x|5', now)), 'the last allowed attempt does not clear it').to.be.instanceOf(TooManyRequests);
  });
});
