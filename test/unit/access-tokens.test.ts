import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { generateSigningKey, keyRing, type KeyRing } from '../../server/auth/keys.js';
import { tokenIssuer } from '../../server/auth/tokens.js';

const config = { publicBaseUrl: 'https://hospital.test', accessTokenTtlSeconds: 300 };
const claims = { sub: 'user-1', role: 'patient' as const, patient: 'patient-1', practitioner: null, org: null, scope: 'patient/*.read' };

/** Counts the signature checks jsonwebtoken makes while `work` runs. */
function signatureChecks(work: () => void): number {
  const verify = jwt.verify;
  let checks = 0;
  (jwt as { verify: unknown }).verify = (...args: Parameters<typeof verify>) => {
    checks++;
    return verify(...args);
  };
  try {
    work();
  } finally {
    (jwt as { verify: unknown }).verify = verify;
  }
  return checks;
}

const refusalOf = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return expect.fail('the token should have been refused');
};

describe('access tokens: a signature is checked once per token', () => {
  it('when the same token comes with 50 requests, then its signature is checked once and every request gets its claims', () => {
    const tokens = tokenIssuer(config, keyRing([generateSigningKey()]));
    const token = tokens.issueAccessToken(claims);
    const checks = signatureChecks(() => {
      for (let i = 0; i < 50; i++) expect(tokens.verifyAccessToken(token)).to.deep.equal(claims);
    });
    expect(checks).to.equal(1);
  });

  it('when a token is altered by one character, then it is refused even though the original was checked already', () => {
    const tokens = tokenIssuer(config, keyRing([generateSigningKey()]));
    const token = tokens.issueAccessToken(claims);
    tokens.verifyAccessToken(token);
    const [header, payload, signature] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), role: 'admin' })).toString('base64url')}.${signature}`;
    expect(refusalOf(() => tokens.verifyAccessToken(forged))).to.equal('invalid-token');
  });

  it('when a checked token reaches its expiry, then it is refused as expired', async () => {
    const tokens = tokenIssuer({ ...config, accessTokenTtlSeconds: 1 }, keyRing([generateSigningKey()]));
    const token = tokens.issueAccessToken(claims);
    expect(tokens.verifyAccessToken(token).sub).to.equal('user-1');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(refusalOf(() => tokens.verifyAccessToken(token))).to.equal('token-expired');
  });

  it('when the key that signed a checked token leaves the ring, then the token is refused at once', () => {
    const key = generateSigningKey();
    const published = new Set([key.kid]);
    const ring: KeyRing = { ...keyRing([key]), byKid: (kid) => (published.has(kid) ? key : undefined) };
    const tokens = tokenIssuer(config, ring);
    const token = tokens.issueAccessToken(claims);
    expect(tokens.verifyAccessToken(token).sub).to.equal('user-1');
    published.delete(key.kid);
    expect(refusalOf(() => tokens.verifyAccessToken(token))).to.equal('invalid-token');
  });
});
