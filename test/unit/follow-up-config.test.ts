import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../server/config.js';
import { chronicConditionOf } from '../../server/consultations/chronic-conditions.js';
import { eligibilityPolicy } from '../../server/consultations/eligibility.js';

describe('follow-up configuration', () => {
  it('when nothing is set, then the default chronic conditions and a two-year look-back apply', () => {
    const config = loadConfig({});
    expect(config.followUp.lookBackDays).to.equal(730);
    expect(config.followUp.chronicConditions.map((c) => c.from)).to.deep.equal(['I10', 'E11', 'J44', 'I25', 'N18']);
    expect(config.attachmentMaxBytes).to.equal(5 * 1024 * 1024);
    expect(config.monitoring).to.deep.equal({ crisisEscalationMinutes: 15, escalationSweepSeconds: 60 });
  });

  it('when CHRONIC_CONDITIONS and FOLLOW_UP_LOOKBACK_DAYS are set, then eligibility uses exactly that list and period', () => {
    const config = loadConfig({ CHRONIC_CONDITIONS: 'I10-I15=Hypertension; E10-E11=Diabetes mellitus', FOLLOW_UP_LOOKBACK_DAYS: '365' });
    const policy = eligibilityPolicy(config);
    expect(policy.lookBackDays).to.equal(365);
    expect(chronicConditionOf('E10.9', policy.chronicConditions)?.display).to.equal('Diabetes mellitus');
    expect(chronicConditionOf('J44', policy.chronicConditions)).to.equal(undefined);
  });

  it('when a chronic condition entry is malformed, then start-up stops naming the entry', () => {
    expect(() => loadConfig({ CHRONIC_CONDITIONS: 'hypertension' })).to.throw(ConfigError, /CHRONIC_CONDITIONS entry "hypertension"/);
    expect(() => loadConfig({ CHRONIC_CONDITIONS: 'I15-I10=Backwards' })).to.throw(ConfigError, /I15-I10/);
    expect(() => loadConfig({ FOLLOW_UP_LOOKBACK_DAYS: '0' })).to.throw(ConfigError, /FOLLOW_UP_LOOKBACK_DAYS/);
  });
});
