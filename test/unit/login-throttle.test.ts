import { expect } from 'chai';
import { TooManyRequests } from '../../server/http/errors.js';
import { LoginThrottle } from '../../server/http/login-throttle.js';

describe('login throttle', () => {
  it('when an account fails too often, then it is refused until the window passes; a success clears it', () => {
    const throttle = new LoginThrottle(3, 60);
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) throttle.fail('a', t0);
    expect(() => throttle.check('a', t0 + 1000)).to.throw(TooManyRequests).with.property('retryAfterSeconds', 59);
    expect(() => throttle.check('b', t0)).to.not.throw();
    expect(() => throttle.check('a', t0 + 61_000)).to.not.throw();
    throttle.fail('c', t0);
    throttle.succeed('c');
    throttle.fail('c', t0);
    throttle.fail('c', t0);
    expect(() => throttle.check('c', t0)).to.not.throw();
  });
});
