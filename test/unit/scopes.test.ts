import { expect } from 'chai';
import { grantScopes, scopeAllows } from '../../server/auth/scopes.js';

describe('SMART scopes', () => {
  it('when a scope names a type or a wildcard, then it allows exactly that type and mode', () => {
    expect(scopeAllows(['patient/*.read'], 'Observation', 'read')).to.equal(true);
    expect(scopeAllows(['patient/*.read'], 'Observation', 'write')).to.equal(false);
    expect(scopeAllows(['user/Observation.write'], 'Observation', 'write')).to.equal(true);
    expect(scopeAllows(['user/Observation.write'], 'Condition', 'write')).to.equal(false);
    expect(scopeAllows(['system/*.*'], 'Claim', 'read')).to.equal(true);
    expect(scopeAllows(['garbage'], 'Claim', 'read')).to.equal(false);
  });

  it('when a client asks for scopes, then it gets only those its role allows', () => {
    expect(grantScopes('patient', undefined)).to.deep.equal(['patient/*.read', 'patient/*.write']);
    expect(grantScopes('patient', 'patient/Observation.read user/*.read')).to.deep.equal(['patient/Observation.read']);
    expect(grantScopes('insurer', 'user/Claim.read user/Claim.write')).to.deep.equal(['user/Claim.read']);
  });
});
