import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../server/config.js';

describe('configuration', () => {
  it('when nothing is set, then the demo runs on SQLite under ./data with generated keys', () => {
    const config = loadConfig({});
    expect(config.env).to.equal('development');
    expect(config.databaseUrl).to.match(/^sqlite:.*data\/hospital\.db$/);
    expect(config.keysDir).to.match(/data\/keys$/);
    expect(config.seedDemo).to.equal(true);
    expect(config.port).to.equal(3000);
  });

  it('when production lacks its keys or public URL, then start-up stops with a message naming the variable', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://h.example' })).to.throw(ConfigError, /KEYS_DIR/);
    expect(() => loadConfig({ NODE_ENV: 'production', KEYS_DIR: '/k' })).to.throw(ConfigError, /PUBLIC_BASE_URL/);
    expect(() => loadConfig({ NODE_ENV: 'production', KEYS_DIR: '/k', PUBLIC_BASE_URL: 'https://h.example', SEED_DEMO: 'true' }))
      .to.throw(ConfigError, /SEED_DEMO/);
    expect(loadConfig({ NODE_ENV: 'production', KEYS_DIR: '/k', PUBLIC_BASE_URL: 'https://h.example' }).seedDemo).to.equal(false);
  });

  it('when a value is malformed, then the error says which key and what was wrong', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).to.throw(ConfigError, /PORT must be a whole number/);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://x' })).to.throw(ConfigError, /DATABASE_URL/);
    expect(() => loadConfig({ NODE_ENV: 'staging' })).to.throw(ConfigError, /NODE_ENV/);
  });

  it('when PARTNER_TIMEOUT_MS is unset, then a partner gets 5 s; when set, that; when too small, start-up stops naming it', () => {
    expect(loadConfig({}).partnerTimeoutMs).to.equal(5000);
    expect(loadConfig({ PARTNER_TIMEOUT_MS: '300' }).partnerTimeoutMs).to.equal(300);
    expect(() => loadConfig({ PARTNER_TIMEOUT_MS: '10' })).to.throw(ConfigError, /PARTNER_TIMEOUT_MS/);
  });
});
