import { expect } from 'chai';
import { TooManyRequests } from '../../server/http/errors.js';
import { LoginThrottle } from '../../server/http/login-throttle.js';
import { describeOnEachDatabase } from '../support/test-node.js';

describeOnEachDatabase('login throttle (shared by every process of a node)', (hospital) => {
  const refused = async (work: Promise<void>) => {
    try {
      await work;
    } catch (error) {
      return error as TooManyRequests;
    }
    return undefined;
  };

  it('when an account fails too often, then it is refused until the window passes; a success clears it', async () => {
    const throttle = new LoginThrottle(hospital().db, 3, 60);
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) await throttle.fail('a@x|1', t0);
    const error = await refused(throttle.check('a@x|1', t0 + 1000));
    expect(error).to.be.instanceOf(TooManyRequests);
    expect(error?.retryAfterSeconds).to.equal(59);
    expect(await refused(throttle.check('b@x|1', t0))).to.equal(undefined);
    expect(await refused(throttle.check('a@x|1', t0 + 61_000))).to.equal(undefined);
    await throttle.fail('a@x|1', t0 + 61_000);
    expect(await refused(throttle.check('a@x|1', t0 + 62_000)), 'a new window starts at one failure').to.equal(undefined);
    await throttle.fail('c@x|1', t0);
    await throttle.succeed('c@x|1');
    await throttle.fail('c@x|1', t0);
    await throttle.fail('c@x|1', t0);
    expect(await refused(throttle.check('c@x|1', t0))).to.equal(undefined);
  });

  it('when failures arrive at two instances at once, then all of them count at both', async () => {
    const one = new LoginThrottle(hospital().db, 10, 60);
    const two = new LoginThrottle(hospital().db, 10, 60);
    const now = Date.now();
    await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? one : two).fail('d@x|2', now)));
    expect(await refused(one.check('d@x|2', now))).to.be.instanceOf(TooManyRequests);
    expect(await refused(two.check('d@x|2', now))).to.be.instanceOf(TooManyRequests);
    const stored = await hospital().db.models.LoginFailure.findAll();
    expect(stored.map((r) => r.throttleKey).join(' '), 'no address in clear').to.not.include('d@x');
  });
});
