import { expect } from 'chai';
import { generateSigningKey, keyRing } from '../../server/auth/keys.js';
import { signDetached, verifyDetached } from '../../server/prescriptions/signing.js';
import { parsePrescriptionCode } from '../../server/prescriptions/patient-code.js';

describe('prescription signatures (detached JWS over RFC 8785 JSON)', () => {
  const content = { b: 1, a: { z: 'ü', y: [3, 1] }, prescriber: { id: 'p1', name: 'Dr Who' } };

  it('when the content is signed, then the stored bytes are canonical and verify against the JWKS', () => {
    const keys = keyRing([generateSigningKey()]);
    const signed = signDetached(keys, content, 'prescription+json');
    expect(signed.content).to.equal('{"a":{"y":[3,1],"z":"ü"},"b":1,"prescriber":{"id":"p1","name":"Dr Who"}}');
    expect(signed.jws.split('.')[1]).to.equal('');
    expect(verifyDetached(signed.jws, signed.content, keys.jwks())).to.deep.equal({ valid: true, kid: keys.active.kid, typ: 'prescription+json' });
  });

  it('when one byte of the content changes, then verification fails with bad-signature', () => {
    const keys = keyRing([generateSigningKey()]);
    const signed = signDetached(keys, content, 'prescription+json');
    const tampered = signed.content.replace('Dr Who', 'Dr Wha');
    expect(verifyDetached(signed.jws, tampered, keys.jwks())).to.include({ valid: false, reason: 'bad-signature' });
  });

  it('when the key ring rotates, then old signatures still verify and new ones use the new kid; an unknown kid is refused', () => {
    const old = generateSigningKey(new Date('2025-01-01T00:00:00Z'));
    const signedBefore = signDetached(keyRing([old]), content, 'prescription+json');
    const fresh = generateSigningKey(new Date('2026-01-01T00:00:00Z'));
    const rotated = keyRing([old, fresh]);
    expect(rotated.active.kid).to.equal(fresh.kid);
    expect(verifyDetached(signedBefore.jws, signedBefore.content, rotated.jwks())).to.include({ valid: true, kid: old.kid });
    expect(signDetached(rotated, content, 'prescription+json').kid).to.equal(fresh.kid);
    expect(verifyDetached(signedBefore.jws, signedBefore.content, keyRing([fresh]).jwks())).to.include({ valid: false, reason: 'unknown-key' });
  });

  it('when a patient code is read back, then its issuer, id and access code come out', () => {
    const parsed = parsePrescriptionCode('https://h.example/fhir/Task/0b6a0e1e-1111-4a4a-9b9b-123456789abc#access-code=abcdefghijklmnopqrstuvwxyz012345');
    expect(parsed).to.deep.equal({ issuer: 'https://h.example/fhir', prescriptionId: '0b6a0e1e-1111-4a4a-9b9b-123456789abc', accessCode: 'abcdefghijklmnopqrstuvwxyz012345' });
  });
});
