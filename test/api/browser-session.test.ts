import { expect } from 'chai';
import request from 'supertest';
import { ACCOUNT_PASSWORD, newPatient } from '../support/factories.js';
import { DEMO_PASSWORD, describeOnEachDatabase } from '../support/test-node.js';

/** The `hospital_session` cookie a response sets, as `name=value` for the next request, and its attributes. */
function sessionCookie(res: request.Response): { pair: string; attributes: string } {
  const header = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('hospital_session='));
  if (!header) throw new Error(`no session cookie in ${JSON.stringify(res.headers['set-cookie'])}`);
  const [pair, ...attributes] = header.split(';').map((s) => s.trim());
  return { pair, attributes: attributes.join('; ') };
}

describeOnEachDatabase('browser sessions (refresh token in an HttpOnly cookie)', (hospital) => {
  const signIn = (username: string, password: string) =>
    request(hospital().app).post('/auth/session').type('form').send({ username, password });
  const refresh = (cookie?: string) => {
    const req = request(hospital().app).post('/auth/session/refresh');
    return cookie ? req.set('cookie', cookie) : req;
  };

  it('when a user signs in for a session, then the answer carries the access token and the refresh token is only in an HttpOnly, SameSite=Strict cookie', async () => {
    const res = await signIn('alice@demo.test', DEMO_PASSWORD).expect(200);
    expect(res.body).to.include({ token_type: 'Bearer', expires_in: 900 });
    expect(res.body).to.not.have.property('refresh_token');
    expect(res.headers['cache-control']).to.equal('no-store');
    const cookie = sessionCookie(res);
    expect(cookie.pair).to.match(/^hospital_session=[A-Za-z0-9_-]{43}$/);
    expect(cookie.attributes).to.match(/HttpOnly/).and.match(/SameSite=Strict/).and.match(/Path=\/auth\/session/);
    expect(cookie.attributes).to.match(/Max-Age=1209600/);
    const me = await request(hospital().app).get('/api/me').auth(res.body.access_token, { type: 'bearer' }).expect(200);
    expect(me.body).to.include({ email: 'alice@demo.test' });
  });

  it('when the session is continued with its cookie, then a new access token comes and the cookie rotates; the spent cookie again ends the session', async () => {
    const first = sessionCookie(await signIn('dr.chen@demo.test', DEMO_PASSWORD).expect(200)).pair;
    const continued = await refresh(first).expect(200);
    expect(continued.body.access_token).to.be.a('string');
    expect(continued.body).to.not.have.property('refresh_token');
    const second = sessionCookie(continued).pair;
    expect(second).to.not.equal(first);
    await request(hospital().app).get('/api/me').auth(continued.body.access_token, { type: 'bearer' }).expect(200);

    const reuse = await refresh(first).expect(401);
    expect(reuse.body).to.include({ code: 'invalid-refresh-token' });
    expect(sessionCookie(reuse).attributes, 'the refused cookie is cleared').to.match(/Expires=Thu, 01 Jan 1970/);
    // A spent token presented again revokes its family: the rotated cookie is refused too.
    await refresh(second).expect(401);
  });

  it('when there is no session cookie (or an ill-formed one), then continuing is 401 invalid-refresh-token, saying to sign in', async () => {
    const none = await refresh().expect(401);
    expect(none.body).to.include({ code: 'invalid-refresh-token', title: 'There is no session to continue. Sign in again.' });
    const odd = await refresh('hospital_session=%00not-a-token; other=1').expect(401);
    expect(odd.body.code).to.equal('invalid-refresh-token');
  });

  it('when the password is wrong, then the sign-in is the token endpoint\'s 401 and sets no cookie', async () => {
    const patient = await newPatient(hospital(), 'Cookieless');
    const res = await signIn(patient.email, 'not the password').expect(401);
    expect(res.body).to.include({ code: 'invalid-credentials' });
    expect(res.headers['set-cookie']).to.equal(undefined);
  });

  it('when the user signs out, then the cookie is cleared, its whole session is revoked and the sign-out is audited', async () => {
    const patient = await newPatient(hospital(), 'Leaving');
    const first = sessionCookie(await signIn(patient.email, ACCOUNT_PASSWORD).expect(200)).pair;
    const current = sessionCookie(await refresh(first).expect(200)).pair;
    const out = await request(hospital().app).delete('/auth/session').set('cookie', current).expect(204);
    expect(sessionCookie(out).attributes).to.match(/Expires=Thu, 01 Jan 1970/);
    await refresh(current).expect(401);
    const tokens = await hospital().db.models.RefreshToken.findAll({ where: { userId: patient.userId } });
    expect(tokens.map((t) => t.revokedAt !== null)).to.deep.equal([true, true]);
    expect(await hospital().db.models.AuditEvent.count({ where: { activity: 'logout', actorUserId: patient.userId } })).to.equal(1);
  });

  it('when a request without a session signs out, then it is answered 204 and nothing changes', async () => {
    await request(hospital().app).delete('/auth/session').expect(204);
  });
});
