import { expect } from 'chai';
import request, { type Response } from 'supertest';
import { doctorWithSlots, freeSlotsOf, quickPatients } from '../support/appointments.js';
import { dispenseOf, param, parameters, readyPrescription } from '../support/prescriptions.js';
import { NODES } from './galera.js';
import { describeOnCluster, type HospitalOnCluster } from './hospital-on-cluster.js';

/** Counters of each node: transactions begun there, and those refused by certification or aborted for a replicated write. */
async function certification(hospital: HospitalOnCluster) {
  return Promise.all(NODES.map(async (n) => ({
    begun: Number(await hospital.cluster.status(n, 'Com_begin')),
    conflicts: Number(await hospital.cluster.status(n, 'wsrep_local_cert_failures')) + Number(await hospital.cluster.status(n, 'wsrep_local_bf_aborts')),
  })));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A client as docs/api.md asks it to behave: a 503 `database-unavailable` (here: no free connection within 3 s, the
 * pool of an instance is 10 for 50 racers) is tried again after its Retry-After. Counts the 503s it met.
 */
async function untilAnswered(send: () => Promise<Response>, refusals: { count: number }): Promise<Response> {
  for (let tries = 1; ; tries++) {
    const res = await send();
    if (res.status !== 503 || res.body.code !== 'database-unavailable' || tries === 10) return res;
    refusals.count++;
    await sleep(Number(res.headers['retry-after']) * 1000);
  }
}

/** What one race did on each node, printed for the report. */
async function reportRace(hospital: HospitalOnCluster, label: string, before: Awaited<ReturnType<typeof certification>>, retriesBefore: number, refusals: { count: number }) {
  const after = await certification(hospital);
  const perNode = after.map((a, i) => ({ begun: a.begun - before[i].begun, conflicts: a.conflicts - before[i].conflicts }));
  const conflicts = perNode.reduce((sum, n) => sum + n.conflicts, 0);
  console.error(`      ${label}: transactions begun per node ${perNode.map((n) => n.begun).join('/')}, certification conflicts and brute-force aborts ${conflicts}, retried transactions ${hospital.transactionRetries() - retriesBefore}, 503s tried again by the clients ${refusals.count}`);
  return perNode;
}

describeOnCluster('races across two instances and three database nodes', (hospital) => {
  it('when 100 patients book the same slot at once through both instances, then exactly one gets 201, 99 get 409 slot-taken, and every node holds the one booking', async () => {
    const h = hospital();
    const doctor = await doctorWithSlots(h.instances[0]);
    const [slot] = await freeSlotsOf(h.instances[0], doctor.practitionerId);
    const patients = await quickPatients(h.instances[0], 100);
    const [before, retriesBefore] = [await certification(h), h.transactionRetries()];

    const refusals = { count: 0 };
    const results = await Promise.all(patients.map((p, i) => untilAnswered(() => request(h.instance(i).base).post('/api/appointments')
      .auth(p.token, { type: 'bearer' }).send({ slotId: slot.id, visitType: 'in-person' }), refusals)));

    const statuses = results.map((r) => r.status);
    expect(results.filter((r) => r.status !== 201 && r.status !== 409).map((r) => r.body)).to.deep.equal([]);
    expect(statuses.filter((s) => s === 201)).to.have.length(1);
    expect(statuses.filter((s) => s === 409)).to.have.length(99);
    expect(new Set(results.filter((r) => r.status === 409).map((r) => r.body.code))).to.deep.equal(new Set(['slot-taken']));
    const perNode = await reportRace(h, 'booking race', before, retriesBefore, refusals);
    expect(perNode.every((n) => n.begun > 0), 'every node took part in the race').to.equal(true);
    for (const n of NODES) {
      const rows = await h.cluster.query<{ n: number }>(n, 'SELECT COUNT(*) AS n FROM appointments WHERE slotId = ?', [slot.id], h.database);
      expect(Number(rows[0].n), `appointments of the slot on node ${n}`).to.equal(1);
    }
  });

  it('when 100 pharmacies accept one prescription at once through both instances, then one gets 200; when 100 close it with the secret, then it is dispensed exactly once', async () => {
    const h = hospital();
    const rx = await readyPrescription(h.instances[0]);
    const [before, retriesBefore] = [await certification(h), h.transactionRetries()];
    const refusals = { count: 0 };
    // Each pharmacy's request keeps its Idempotency-Key when it is tried again.
    const op = (i: number, name: string, body: unknown) => untilAnswered(() => request(h.instance(i).base).post(`/fhir/Task/${rx.id}/$${name}`)
      .auth(rx.pharmacistToken, { type: 'bearer' }).type('application/fhir+json').set('Idempotency-Key', `${name}-${rx.id}-${i}`).send(body as object), refusals);

    const accepts = await Promise.all(Array.from({ length: 100 }, (_, i) => op(i, 'accept', parameters({ accessCode: rx.accessCode }))));
    expect(accepts.filter((r) => r.status === 200)).to.have.length(1);
    expect(accepts.filter((r) => r.status === 409)).to.have.length(99);
    const secret = param(accepts.find((r) => r.status === 200)!.body, 'secret')!.valueString!;

    const closes = await Promise.all(Array.from({ length: 100 }, (_, i) => op(i, 'close', parameters({ secret }, [dispenseOf(rx.lines[0].id, 7)]))));
    expect(closes.filter((r) => r.status === 200)).to.have.length(1);
    expect(closes.filter((r) => r.status === 409)).to.have.length(99);
    await reportRace(h, 'dispense race (accept + close)', before, retriesBefore, refusals);
    for (const n of NODES) {
      const dispenses = await h.cluster.query<{ n: number }>(n, 'SELECT COUNT(*) AS n FROM medication_dispenses WHERE prescriptionId = ?', [rx.id], h.database);
      expect(Number(dispenses[0].n), `dispenses on node ${n}`).to.equal(1);
    }
  });
});
