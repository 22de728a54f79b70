import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import request from 'supertest';
import { newPatient } from '../support/factories.js';
import { startTestNodeOn, type TestNode } from '../support/test-node.js';
import { PrivateMariaDb, privateMariaDbUnavailableReason } from './private-mariadb.js';

const BACKUP = fileURLToPath(new URL('../../scripts/db-backup.sh', import.meta.url));

/** Runs scripts/db-backup.sh as docs/deployment.md tells an operator to; resolves with its exit code and output. */
async function backupScript(...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('bash', [BACKUP, ...args]);
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, output: stdout + stderr };
  }
}

describe('backup and restore with scripts/db-backup.sh (private MariaDB servers this test starts)', function () {
  this.timeout(240_000);
  const servers: PrivateMariaDb[] = [];
  const nodes: TestNode[] = [];
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'hospital-backup-'));

  before(function () {
    const reason = privateMariaDbUnavailableReason();
    if (reason && process.env.CI) throw new Error(`${reason} (the fault tests are mandatory in CI)`);
    if (reason) {
      console.error(`\n  SKIPPING the backup and restore test: ${reason}\n`);
      this.skip();
    }
  });

  after(async () => {
    for (const node of nodes) await node.db.close().catch(() => undefined);
    for (const server of servers) await server.remove();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('when the live database is dumped while the node runs and restored into a fresh server, then a node on the copy shows the patient her reading, and a second restore over it is refused', async () => {
    const live = await PrivateMariaDb.create();
    servers.push(live);
    const hospital = await startTestNodeOn('mysql', await live.createDatabase('hospital_live'));
    nodes.push(hospital);
    const patient = await newPatient(hospital, 'Backup');
    const stored = await request(hospital.app).post(`/api/patients/${patient.patientId}/readings`).auth(patient.token, { type: 'bearer' })
      .send({ code: '8867-4', value: 72, unit: '/min', effectiveAt: new Date().toISOString(), entryMethod: 'device' });
    expect(stored.status).to.equal(201);

    const file = path.join(folder, 'hospital.sql.gz');
    const dump = await backupScript('dump', hospital.config.databaseUrl, file);
    expect(dump, dump.output).to.include({ code: 0 });

    const spare = await PrivateMariaDb.create();
    servers.push(spare);
    const target = spare.url('hospital_restored');
    const restore = await backupScript('restore', file, target);
    expect(restore, restore.output).to.include({ code: 0 });

    // A node started on the copy finds every migration applied and the accounts there (it seeds nothing).
    const restored = await startTestNodeOn('mysql', target);
    nodes.push(restored);
    const token = await restored.tokenFor(patient.email);
    const readings = await request(restored.app).get(`/api/patients/${patient.patientId}/readings`).auth(token, { type: 'bearer' });
    expect(readings.status).to.equal(200);
    expect(readings.body.map((r: { id: string }) => r.id)).to.include(stored.body.reading.id);
    expect(await restored.db.models.User.count()).to.equal(await hospital.db.models.User.count());

    const again = await backupScript('restore', file, target);
    expect(again.code).to.not.equal(0);
    expect(again.output).to.match(/already has \d+ tables; restore into a new, empty database/);
  });
});
