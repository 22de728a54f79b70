import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { openDatabase } from '../../db/connection.js';
import { createEmptyDatabase, DIALECTS, mysqlUnavailableReason } from '../support/databases.js';
import { freePort } from '../support/free-port.js';

/**
 * A node stopped with SIGTERM (a deploy, a scale-in) while patients' devices send readings and a doctor's system
 * posts transaction Bundles: it stops taking connections, answers every request it was processing, and exits 0;
 * every write it acknowledged is in the database afterwards (issue 15, "SIGTERM during load drains in-flight
 * requests"). The node is `server/main.ts` in its own process, as `npm start` runs it.
 */
const PASSWORD = 'demo-password-for-the-drain-test';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Sent { kind: 'reading' | 'bundle'; started: number; status?: number; error?: string; ids: string[] }

for (const dialect of DIALECTS) {
  describe(`SIGTERM under load [${dialect}]`, function () {
    this.timeout(180_000);
    let databaseUrl: string;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hospital-sigterm-'));
    after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

    before(async function () {
      if (dialect === 'mysql') {
        const reason = await mysqlUnavailableReason();
        if (reason && process.env.CI) throw new Error(`${reason} (the MySQL suites are mandatory in CI)`);
        if (reason) {
          console.error(`\n  SKIPPING "SIGTERM under load [mysql]": ${reason}\n`);
          this.skip();
        }
      }
      databaseUrl = dialect === 'sqlite' ? `sqlite:${path.join(dataDir, 'hospital.db')}` : await createEmptyDatabase('mysql');
    });

    it('when SIGTERM arrives while readings and transaction Bundles are being written, then every request in flight is answered, '
      + 'the node exits 0, and every acknowledged write is stored', async () => {
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
        env: {
          ...process.env, NODE_ENV: 'development', PORT: String(port), DATA_DIR: dataDir, DATABASE_URL: databaseUrl, KEYS_DIR: '',
          DEMO_PASSWORD: PASSWORD, LOG_LEVEL: 'warn', SHUTDOWN_GRACE_MS: '60000', RATE_LIMIT_API_PER_MINUTE: '0',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => { output += chunk; });
      child.stderr.on('data', (chunk) => { output += chunk; });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        while (!output.includes('password:')) {
          if (child.exitCode !== null) throw new Error(`the node exited early:\n${output}`);
          await sleep(100);
        }
        const signIn = async (username: string) => {
          const res = await fetch(`${base}/auth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'password', username, password: PASSWORD }) });
          return ((await res.json()) as { access_token: string }).access_token;
        };
        const alice = await signIn('alice@demo.test');
        const chen = await signIn('dr.chen@demo.test');
        const aliceId = ((await (await fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${alice}` } })).json()) as { patientId: string }).patientId;

        const sent: Sent[] = [];
        let stopping = false;
        const send = async (kind: Sent['kind'], url: string, token: string, type: string, body: string, idsOf: (json: never) => string[]) => {
          const request: Sent = { kind, started: Date.now(), ids: [] };
          sent.push(request);
          try {
            const res = await fetch(url, { method: 'POST', body, headers: { authorization: `Bearer ${token}`, 'content-type': type } });
            const json = await res.json() as never;
            request.status = res.status;
            if (res.ok) request.ids = idsOf(json);
          } catch (error) {
            request.error = (error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
          }
          return request;
        };
        let n = 0;
        const reading = () => send('reading', `${base}/api/patients/${aliceId}/readings`, alice, 'application/json', JSON.stringify({
          code: '8867-4', value: 60 + (n++ % 40), unit: '/min', effectiveAt: new Date().toISOString(), entryMethod: 'device',
        }), (json: { reading: { id: string } }) => [json.reading.id]);
        const observation = (i: number) => ({
          resource: {
            resourceType: 'Observation', status: 'final', subject: { reference: `Patient/${aliceId}` }, effectiveDateTime: new Date(Date.now() - i * 60_000).toISOString(),
            code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
            valueQuantity: { value: 60 + (i % 30), unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
          },
          request: { method: 'POST', url: 'Observation' },
        });
        const bundle = JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: Array.from({ length: 50 }, (_, i) => observation(i)) });
        const transaction = () => send('bundle', `${base}/fhir`, chen, 'application/fhir+json', bundle,
          (json: { entry: { response: { location: string } }[] }) => json.entry.map((e) => e.response.location.split('/')[1]));
        // Each worker sends, waits for the answer, sends again, until the node no longer takes its connection.
        const workers = [...Array.from({ length: 4 }, () => reading), ...Array.from({ length: 2 }, () => transaction)].map(async (next) => {
          while (!stopping) if ((await next()).error) return;
        });

        while (sent.filter((s) => s.status !== undefined).length < 12) await sleep(50);
        // A request sent over HAS_IT_MS ago and still unanswered when the signal lands is in flight: the node has it.
        // The signal waits for one (a fixed pause missed them all once the node answered within it).
        const HAS_IT_MS = 100;
        const unansweredSince = (at: number) => sent.filter((s) => s.started < at && s.status === undefined && s.error === undefined);
        while (unansweredSince(Date.now() - HAS_IT_MS).length === 0) await sleep(5);
        const before = Date.now() - HAS_IT_MS;
        const inFlight = unansweredSince(before);
        child.kill('SIGTERM');
        const exitCode = await exited;
        stopping = true;
        await Promise.all(workers);

        expect(exitCode, `exit code (1: the grace period ran out)\n${output}`).to.equal(0);
        expect(inFlight.length, 'requests in flight when SIGTERM arrived').to.be.above(0);
        for (const request of inFlight) expect(request, 'a request in flight at SIGTERM').to.include({ status: request.kind === 'bundle' ? 200 : 201 });
        const answered = sent.filter((s) => s.status !== undefined);
        expect([...new Set(answered.map((s) => s.status))].sort(), 'every answer, before and after the signal').to.satisfy(
          (statuses: number[]) => statuses.every((s) => s === 200 || s === 201));
        // Once the node stopped listening, a new request is refused at the door, never half-answered.
        for (const refused of sent.filter((s) => s.error)) expect(refused.started, `${refused.error}`).to.be.at.least(before);

        const acknowledged = answered.flatMap((s) => s.ids);
        const db = await openDatabase(databaseUrl);
        try {
          const stored = await db.models.Observation.count({ where: { id: acknowledged, patientId: aliceId } });
          expect(stored, `of ${acknowledged.length} acknowledged Observations (${answered.length} answers)`).to.equal(acknowledged.length);
        } finally {
          await db.close();
        }
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    });
  });
}
