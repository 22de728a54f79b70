import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../server/config.js';

describe('video configuration', () => {
  it('when nothing is set, then there are no ICE servers, rooms live in memory and the limits have defaults', () => {
    const { video } = loadConfig({ NODE_ENV: 'test' });
    expect(video).to.deep.equal({
      stunUrls: [], turnUrls: [], turnSecret: null, turnTtlSeconds: 10_800, roomTokenTtlSeconds: 300,
      maxMessageBytes: 32_768, maxMessagesPerSecond: 50, redisUrl: null,
    });
  });

  it('when STUN, TURN and Redis are set, then they are read as lists and URLs', () => {
    const { video } = loadConfig({
      NODE_ENV: 'test', STUN_URLS: 'stun:a:3478, stun:b:3478', TURN_URLS: 'turns:t:5349?transport=tcp', TURN_SECRET: 'x',
      REDIS_URL: 'redis://127.0.0.1:6379',
    });
    expect(video).to.include({ turnSecret: 'x', redisUrl: 'redis://127.0.0.1:6379' });
    expect(video.stunUrls).to.deep.equal(['stun:a:3478', 'stun:b:3478']);
  });

  it('when TURN has no secret, a URL has the wrong scheme or REDIS_URL is not redis, then the start stops with a message', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', TURN_URLS: 'turn:t:3478' })).to.throw(ConfigError, /TURN_SECRET/);
    expect(() => loadConfig({ NODE_ENV: 'test', STUN_URLS: 'http://x' })).to.throw(ConfigError, /STUN_URLS/);
    expect(() => loadConfig({ NODE_ENV: 'test', REDIS_URL: 'localhost:6379' })).to.throw(ConfigError, /REDIS_URL/);
  });
});
