import { expect } from 'chai';
import { generateSigningKey } from '../../server/auth/keys.js';
import { PartnerKeySets } from '../../server/exchange/partner-keys.js';
import { jwksServer } from '../support/exchange.js';

const kids = (jwks: { keys: { kid?: string }[] }) => jwks.keys.map((k) => k.kid);

describe('partner key sets', () => {
  it('when a partner withdraws a key, then it is trusted only until its key set is older than the TTL', async () => {
    const [kept, withdrawn] = [generateSigningKey(), generateSigningKey()];
    const partner = await jwksServer([kept, withdrawn]);
    try {
      const sets = new PartnerKeySets(1000, 50);
      expect(kids(await sets.holding(partner.url, withdrawn.kid))).to.include(withdrawn.kid);
      partner.keys.splice(1, 1);
      expect(kids(await sets.holding(partner.url, withdrawn.kid)), 'still cached').to.include(withdrawn.kid);
      expect(partner.fetches()).to.equal(1);
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(kids(await sets.holding(partner.url, withdrawn.kid)), 'fetched again').to.deep.equal([kept.kid]);
      expect(partner.fetches()).to.equal(2);
    } finally {
      partner.server.close();
    }
  });

  it('when the partner cannot be reached, then the reason names its JWKS URL', async () => {
    const sets = new PartnerKeySets(500);
    let failure: Error | undefined;
    await sets.holding('http://127.0.0.1:9/.well-known/jwks.json', 'k1').catch((error: Error) => { failure = error; });
    expect(failure?.message).to.match(/^the JWKS at http:\/\/127\.0\.0\.1:9\/\.well-known\/jwks\.json could not be fetched/);
  });
});
