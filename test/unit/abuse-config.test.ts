import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../server/config.js';

describe('configuration of proxies and rate limits', () => {
  it('when TRUST_PROXY is unset, empty or false, then no proxy is trusted', () => {
    expect(loadConfig({}).trustProxy).to.deep.equal([]);
    expect(loadConfig({ TRUST_PROXY: '' }).trustProxy).to.deep.equal([]);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).to.deep.equal([]);
  });

  it('when TRUST_PROXY names addresses, subnets or ranges, then those are the trusted proxies', () => {
    expect(loadConfig({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,fd00::/8,loopback' }).trustProxy)
      .to.deep.equal(['127.0.0.1', '10.0.0.0/8', 'fd00::/8', 'loopback']);
  });

  it('when TRUST_PROXY holds something that is not an address, then start-up stops naming the entry', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).to.throw(ConfigError, /TRUST_PROXY entry "true"/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' })).to.throw(ConfigError, /10\.0\.0\.0\/33/);
    expect(() => loadConfig({ TRUST_PROXY: 'proxy.example' })).to.throw(ConfigError, /proxy\.example/);
  });

  it('when the rate limits are unset, then they are generous; when set, those; 0 turns one off; REDIS_URL shares them', () => {
    expect(loadConfig({}).rateLimits).to.include({ apiPerMinute: 1200, tokenPerMinute: 60, registrationPerHour: 60, redisUrl: null });
    const set = loadConfig({
      RATE_LIMIT_API_PER_MINUTE: '0', RATE_LIMIT_TOKEN_PER_MINUTE: '10', RATE_LIMIT_REGISTRATION_PER_HOUR: '3', REDIS_URL: 'redis://r:6379',
    }).rateLimits;
    expect(set).to.include({ apiPerMinute: 0, tokenPerMinute: 10, registrationPerHour: 3, redisUrl: 'redis://r:6379' });
    expect(() => loadConfig({ RATE_LIMIT_API_PER_MINUTE: 'lots' })).to.throw(ConfigError, /RATE_LIMIT_API_PER_MINUTE/);
  });
});
