import type { Server } from 'node:http';
import { once } from 'node:events';
import { expect } from 'chai';
import type { Express } from 'express';
import request, { type Response } from 'supertest';
import { buildApp } from '../../server/app.js';
import { ACCOUNT_PASSWORD, newPatient } from '../support/factories.js';
import { describeOnEachDatabase, type TestNode } from '../support/test-node.js';

/** The app listening on 127.0.0.1, so every request comes from one socket address, as from one machine. */
async function listening(app: Express): Promise<Server> {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** A second app on the node's database whose only difference is TRUST_PROXY. */
function behindProxy(hospital: TestNode, trustProxy: string[]) {
  return buildApp({ config: { ...hospital.config, trustProxy }, db: hospital.db, keys: hospital.node.keys, log: hospital.node.log });
}

const statuses = (answers: Response[]) => answers.map((a) => a.status);
const checked = (answers: Response[]) => answers.filter((a) => a.status === 401 || a.status === 200);

describeOnEachDatabase('sign-in throttle under a burst', (hospital) => {
  let server: Server;
  before(async () => { server = await listening(hospital().app); });
  after(() => { server.close(); });

  const signIn = (target: Server, username: string, password: string, forwardedFor?: string) => {
    const req = request(target).post('/auth/token').type('form').send({ grant_type: 'password', username, password });
    return forwardedFor ? req.set('X-Forwarded-For', forwardedFor) : req;
  };

  it('when 60 wrong passwords for one account arrive at once, then at most 5 are checked, the rest get 429', async () => {
    const patient = await newPatient(hospital(), 'Burst');
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => signIn(server, patient.email, `guess ${i}`)));
    expect(checked(answers).length, statuses(answers).join(' ')).to.be.within(1, 5);
    expect(answers.every((a) => a.status === 401 || a.status === 429), statuses(answers).join(' ')).to.equal(true);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused.length).to.be.at.least(55);
    for (const answer of refused) {
      expect(Number(answer.headers['retry-after'])).to.be.within(1, hospital().config.login.windowSeconds);
      expect(answer.body).to.include({ status: 429, code: 'too-many-requests' });
    }
    const failedLogins = await hospital().db.models.AuditEvent.count({
      where: { activity: 'login', outcome: '4', actorUserId: patient.userId },
    });
    expect(failedLogins, 'only the checked attempts are audited as failed sign-ins').to.equal(checked(answers).length);
  });

  it('when 40 wrong passwords and the right one arrive in one burst, then no more than the limit of them are checked', async () => {
    const patient = await newPatient(hospital(), 'Guessed');
    const guesses = Array.from({ length: 40 }, (_, i) => signIn(server, patient.email, `guess ${i}`));
    guesses.splice(20, 0, signIn(server, patient.email, ACCOUNT_PASSWORD));
    const answers = await Promise.all(guesses);
    expect(checked(answers).length, statuses(answers).join(' ')).to.be.within(1, 5);
    expect(answers.filter((a) => a.status === 429)).to.have.length(41 - checked(answers).length);
  });

  it('when each guess claims another X-Forwarded-For and TRUST_PROXY is unset, then all count against the socket address', async () => {
    const patient = await newPatient(hospital(), 'Rotated');
    const answers: Response[] = [];
    for (let i = 0; i < 7; i++) answers.push(await signIn(server, patient.email, 'wrong password', `203.0.113.${i + 1}`));
    expect(statuses(answers)).to.deep.equal([401, 401, 401, 401, 401, 429, 429]);
  });

  it('when TRUST_PROXY is 127.0.0.1, then the forwarded address is the client: each one has its own attempts', async () => {
    const proxied = behindProxy(hospital(), ['127.0.0.1']);
    const proxy = await listening(proxied.app);
    try {
      const patient = await newPatient(hospital(), 'Proxied');
      const rotated: Response[] = [];
      for (let i = 0; i < 7; i++) rotated.push(await signIn(proxy, patient.email, 'wrong password', `198.51.100.${i + 1}`));
      expect(statuses(rotated), 'seven clients, one guess each').to.deep.equal([401, 401, 401, 401, 401, 401, 401]);
      const one: Response[] = [];
      for (let i = 0; i < 6; i++) one.push(await signIn(proxy, patient.email, 'wrong password', '198.51.100.200'));
      expect(statuses(one), 'one client behind the proxy').to.deep.equal([401, 401, 401, 401, 401, 429]);
      const audited = await hospital().db.models.AuditEvent.findOne({
        where: { activity: 'login', actorUserId: patient.userId }, order: [['id', 'DESC']],
      });
      expect(audited?.sourceIp).to.equal('198.51.100.200');
    } finally {
      proxy.close();
      await proxied.node.rateLimits.close();
    }
  });
});
