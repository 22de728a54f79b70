/**
 * The soak of issue 15 (docs/performance.md "Soak"): a mixed load at a fixed rate against a real node over HTTP,
 * then the database is asked what it holds. Patients book (two at a time on the same slot, now and then), cancel,
 * send readings and read their records; doctors read their visits, save notes and prescribe; pharmacists review
 * and dispense by the patient's code (two desks racing for each code); insurers read their members' coverage.
 *
 * Used by `npm run soak` (test/soak/soak-cli.ts, 10 minutes) and by test/soak/soak.test.ts (60 s, in `npm test`).
 * The pass criteria are facts, never timings: 0 × 5xx, 0 double bookings, 0 double dispenses, every acknowledged
 * write present afterwards, RSS growth under 10 % (read from /metrics, as are the latency figures reported).
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Op, QueryTypes } from 'sequelize';
import { doctorWithSlots, quickPatients } from '../support/appointments.js';
import { adminToken } from '../support/consultations.js';
import { sampleOf } from '../support/metrics-text.js';
import { dispenseOf, openFollowUpVisit, parameters, param, PHARMACIST, RAMIPRIL } from '../support/prescriptions.js';
import type { TestNode } from '../support/test-node.js';

export interface SoakOptions {
  /** Operations started per second, whatever the answers' speed (an open loop: a slow node gets a queue). */
  ratePerSecond: number;
  seconds: number;
  patients?: number;
  visits?: number;
  log?: (line: string) => void;
}

type Kind = 'book' | 'cancel' | 'reading' | 'read-record' | 'read-visit' | 'save-note' | 'prescribe' | 'dispense' | 'read-coverage';

export interface SoakReport {
  operations: number;
  requests: number;
  /** Answers by kind and status; `0` is a request that got no answer (connection refused, reset). */
  statuses: Record<Kind, Record<number, number>>;
  serverErrors: number;
  unanswered: number;
  /** Answers outside the ones each kind expects (e.g. a 4xx other than the documented race loser's 409). */
  unexpected: string[];
  doubleBookings: number;
  doubleDispenses: number;
  /** Acknowledged writes (2xx) not found in the database afterwards, described. */
  missingWrites: string[];
  acknowledged: Record<'bookings' | 'cancellations' | 'readings' | 'notes' | 'prescriptions' | 'dispensed', number>;
  rss: { startMiB: number; endMiB: number; maxMiB: number; growth: number };
  /** From the node's request-duration histogram, over the whole run: the bucket bounds, as text ("≤ 0.25 s", "> 10 s"). */
  latency: { requests: number; p50: string; p99: string };
  /** The most operations started and not yet finished at one 5-second sample: a node that falls behind the rate queues them. */
  maxInFlight: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Which bucket bound (seconds) of a Prometheus histogram holds the q-quantile of all its requests. */
function quantileOf(metrics: string, name: string, q: number): { count: number; bound: string } {
  const buckets = new Map<number, number>();
  for (const line of metrics.split('\n')) {
    const match = new RegExp(`^${name}_bucket\\{(.*)\\} (\\S+)$`).exec(line);
    if (!match) continue;
    const le = /le="([^"]+)"/.exec(match[1])![1];
    const bound = le === '+Inf' ? Infinity : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(match[2]));
  }
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const count = buckets.get(Infinity) ?? 0;
  const bound = bounds.find((b) => buckets.get(b)! >= q * count) ?? Infinity;
  return { count, bound: bound === Infinity ? `> ${bounds[bounds.length - 2]} s` : `≤ ${bound} s` };
}

export async function soak(hospital: TestNode, options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => undefined);
  const server = http.createServer(hospital.app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    return await run(hospital, base, options, log);
  } finally {
    server.closeIdleConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

async function run(hospital: TestNode, base: string, options: SoakOptions, log: (line: string) => void): Promise<SoakReport> {
  const { db } = hospital;
  // The cast: patients who book, a doctor with a week of slots (cancelled ones are booked again), doctors in follow-up visits, the demo
  // pharmacist (and a second desk of the same pharmacy racing for each code), the demo insurer.
  const patients = await quickPatients(hospital, options.patients ?? 12);
  const doctor = await doctorWithSlots(hospital, {
    horizonDays: 7, rules: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '08:00', end: '20:00', visitTypes: ['in-person'] })),
  });
  const notBefore = new Date(Date.now() + (hospital.config.appointments.cancellationCutoffMinutes + 60) * 60_000);
  const slots = (await db.models.Slot.findAll({ where: { practitionerId: doctor.practitionerId, status: 'free', start: { [Op.gt]: notBefore } } }))
    .map((slot) => slot.id);
  const visits: Array<Awaited<ReturnType<typeof openFollowUpVisit>>> = [];
  for (let i = 0; i < (options.visits ?? 3); i++) visits.push(await openFollowUpVisit(hospital));
  const pharmacist = await hospital.tokenFor(PHARMACIST);
  const insurer = await hospital.tokenFor('insurer@demo.test');
  const admin = await adminToken(hospital);
  // The demo insurer's own members: other payers' (other suites share this node) are not its to read.
  const insurerAccount = await db.models.User.findOne({ where: { email: 'insurer@demo.test' }, rejectOnEmpty: true });
  const members = await db.models.Coverage.findAll({ where: { payorId: insurerAccount.organizationId! }, attributes: ['patientId'] });
  log(`soak: ${patients.length} patients, ${slots.length} slots, ${visits.length} visits in progress, ${options.ratePerSecond} operations/s for ${options.seconds} s`);

  const statuses = {} as SoakReport['statuses'];
  const unexpected: string[] = [];
  let requests = 0;
  async function call(kind: Kind, token: string, method: string, path: string, body?: unknown, expected: number[] = [200, 201]) {
    requests++;
    let status = 0;
    let json: Record<string, unknown> = {};
    try {
      const res = await fetch(`${base}${path}`, {
        method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': path.startsWith('/fhir') ? 'application/fhir+json' : 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      status = res.status;
      const text = await res.text();
      json = text ? JSON.parse(text) as Record<string, unknown> : {};
    } catch (error) {
      if (!status) unexpected.push(`${kind} ${method} ${path}: no answer (${(error as Error).message})`);
    }
    (statuses[kind] ??= {})[status] = (statuses[kind][status] ?? 0) + 1;
    if (status && !expected.includes(status) && unexpected.length < 50) unexpected.push(`${kind} ${method} ${path}: ${status} ${JSON.stringify(json).slice(0, 200)}`);
    return { status, json };
  }

  const booked = new Map<string, { token: string; slotId: string }>(); // appointment id → its patient
  const cancelled = new Set<string>();
  const readings = new Set<string>();
  const notes = new Map<string, string>(); // visit id → the last plan acknowledged
  const prescriptions: string[] = [];
  const toDispense: Array<{ id: string; patientToken: string; lineId: string }> = [];
  const dispensed = new Set<string>();
  let n = 0;
  const pick = <T>(list: T[]) => list[n % list.length];

  const operations: Record<Kind, () => Promise<unknown>> = {
    async book() {
      // Two patients reach for the same slot at once: one gets it (201), the other is told it is taken (409).
      const slotId = slots.splice(n % Math.max(slots.length, 1), 1)[0];
      if (!slotId) return;
      const pair = [patients[n % patients.length], patients[(n + 1) % patients.length]];
      await Promise.all(pair.map(async (patient) => {
        const { status, json } = await call('book', patient.token, 'POST', '/api/appointments', { slotId, visitType: 'in-person' }, [201, 409]);
        if (status === 201) booked.set(String(json.id), { token: patient.token, slotId });
      }));
    },
    async cancel() {
      const open = [...booked].filter(([id]) => !cancelled.has(id));
      if (!open.length) return;
      const [id, { token, slotId }] = open[n % open.length];
      cancelled.add(id); // reserved, so no second cancel of it starts
      const { status } = await call('cancel', token, 'POST', `/api/appointments/${id}/cancel`, { reason: 'soak' });
      if (status === 200) slots.push(slotId); // free again: someone may book it
      else cancelled.delete(id);
    },
    async reading() {
      const patient = pick(patients);
      const { status, json } = await call('reading', patient.token, 'POST', `/api/patients/${patient.patientId}/readings`, {
        code: '85354-9', effectiveAt: new Date().toISOString(), entryMethod: 'device',
        components: [{ code: '8480-6', value: 115 + (n % 20), unit: 'mm[Hg]' }, { code: '8462-4', value: 75 + (n % 10), unit: 'mm[Hg]' }],
      });
      if (status === 201) readings.add(String((json.reading as { id: string }).id));
    },
    'read-record': async () => {
      const patient = pick(patients);
      await call('read-record', patient.token, 'GET', `/api/patients/${patient.patientId}`);
    },
    'read-visit': async () => {
      const setup = pick(visits);
      await call('read-visit', setup.doctor.token, 'GET', `/api/visits/${setup.visit.id}`);
    },
    'save-note': async () => {
      const setup = pick(visits);
      const plan = `Review in ${n} days`;
      const { status } = await call('save-note', setup.doctor.token, 'PUT', `/api/visits/${setup.visit.id}/note`, { subjective: 'Feels well', assessment: 'Stable', plan });
      // Saves of one note are serialised per visit here, so the last acknowledged one is the one stored.
      if (status === 200) notes.set(setup.visit.id, plan);
    },
    async prescribe() {
      const setup = pick(visits);
      const { status, json } = await call('prescribe', setup.doctor.token, 'POST', '/api/prescriptions', { encounterId: setup.visit.id, lines: [RAMIPRIL] });
      if (status !== 201) return;
      prescriptions.push(String(json.id));
      const reviewed = await call('prescribe', pharmacist, 'POST', `/api/prescriptions/${String(json.id)}/review`, { decision: 'approve' });
      if (reviewed.status === 200) toDispense.push({ id: String(json.id), patientToken: setup.patient.token, lineId: (json.lines as Array<{ id: string }>)[0].id });
    },
    async dispense() {
      const rx = toDispense.shift();
      if (!rx) return;
      const code = await call('dispense', rx.patientToken, 'GET', `/api/prescriptions/${rx.id}/code`);
      if (code.status !== 200) return;
      // Two desks enter the same code at once: exactly one holds it (200), the other is refused (409).
      const accepts = await Promise.all([0, 1].map(() => call('dispense', pharmacist, 'POST', `/fhir/Task/${rx.id}/$accept`,
        parameters({ accessCode: String(code.json.accessCode) }), [200, 409])));
      const winner = accepts.find((a) => a.status === 200);
      if (!winner) return;
      const secret = param(winner.json as never, 'secret')!.valueString!;
      const closed = await call('dispense', pharmacist, 'POST', `/fhir/Task/${rx.id}/$close`, parameters({ secret }, [dispenseOf(rx.lineId, RAMIPRIL.quantity)]));
      if (closed.status === 200) dispensed.add(rx.id);
    },
    'read-coverage': async () => {
      await call('read-coverage', insurer, 'GET', `/api/patients/${pick(members).patientId}`);
    },
  };
  // Per 20 operations: what a clinic's traffic looks like, more reads than writes.
  const mix: Kind[] = ['reading', 'read-record', 'book', 'read-coverage', 'read-visit', 'reading', 'save-note', 'cancel', 'read-record', 'prescribe',
    'reading', 'read-coverage', 'book', 'dispense', 'read-visit', 'reading', 'read-record', 'save-note', 'cancel', 'read-coverage'];
  const noteChains = new Map<string, Promise<unknown>>();

  const scrape = async () => {
    const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${admin}` } });
    return res.text();
  };
  const rssOf = (text: string) => (sampleOf(text, 'process_resident_memory_bytes') ?? NaN) / 1048576;
  const rssSamples: Array<{ at: number; mib: number }> = [];
  const intervalMs = 1000 / options.ratePerSecond;
  const started = Date.now();
  const running = new Set<Promise<unknown>>();
  let sampledAt = 0;
  let maxInFlight = 0;
  let operationsStarted = 0;
  while (Date.now() - started < options.seconds * 1000) {
    const due = started + operationsStarted * intervalMs;
    if (due > Date.now()) await sleep(due - Date.now());
    const kind = mix[operationsStarted % mix.length];
    n = operationsStarted++;
    let work: Promise<unknown>;
    if (kind === 'save-note') {
      const visitId = visits[n % visits.length].visit.id;
      work = (noteChains.get(visitId) ?? Promise.resolve()).then(operations[kind]);
      noteChains.set(visitId, work);
    } else work = operations[kind]();
    running.add(work);
    void work.finally(() => running.delete(work));
    if (Date.now() - sampledAt >= 5_000) {
      sampledAt = Date.now();
      const text = await scrape();
      rssSamples.push({ at: Date.now() - started, mib: rssOf(text) });
      maxInFlight = Math.max(maxInFlight, running.size);
      log(`  ${Math.round((Date.now() - started) / 1000)} s: ${operationsStarted} operations, ${requests} requests, ${running.size} in flight, RSS ${rssOf(text).toFixed(0)} MiB`);
    }
  }
  await Promise.all(running);
  const metrics = await scrape();
  rssSamples.push({ at: Date.now() - started, mib: rssOf(metrics) });

  // What the database holds now.
  const serverErrors = Object.values(statuses).reduce((sum, byStatus) => sum + Object.entries(byStatus).filter(([s]) => Number(s) >= 500).reduce((a, [, c]) => a + c, 0), 0);
  const unanswered = Object.values(statuses).reduce((sum, byStatus) => sum + (byStatus[0] ?? 0), 0);
  const [{ doubles: doubleBookings }] = await db.sequelize.query<{ doubles: number }>(
    `SELECT COUNT(*) AS doubles FROM (SELECT slotId FROM appointments WHERE status NOT IN ('cancelled', 'entered-in-error') AND practitionerId = ?
      GROUP BY slotId HAVING COUNT(*) > 1) d`, { replacements: [doctor.practitionerId], type: QueryTypes.SELECT });
  const [{ doubles: doubleDispenses }] = await db.sequelize.query<{ doubles: number }>(
    'SELECT COUNT(*) AS doubles FROM (SELECT prescriptionId, lineNo FROM medication_dispenses GROUP BY prescriptionId, lineNo HAVING COUNT(*) > 1) d',
    { type: QueryTypes.SELECT });
  const missingWrites: string[] = [];
  const appointments = new Map((await db.models.Appointment.findAll({ where: { id: [...booked.keys()] } })).map((a) => [a.id, a.status]));
  for (const id of booked.keys()) {
    if (!appointments.has(id)) missingWrites.push(`booked appointment ${id}`);
    else if (cancelled.has(id) && appointments.get(id) !== 'cancelled') missingWrites.push(`cancellation of ${id} (status ${appointments.get(id)})`);
  }
  const storedReadings = new Set((await db.models.Observation.findAll({ where: { id: [...readings] }, attributes: ['id'] })).map((o) => o.id));
  for (const id of readings) if (!storedReadings.has(id)) missingWrites.push(`reading ${id}`);
  for (const [visitId, plan] of notes) {
    const [row] = await db.sequelize.query<{ plan: string }>('SELECT plan FROM visit_notes WHERE encounterId = ?',
      { replacements: [visitId], type: QueryTypes.SELECT });
    if (row?.plan !== plan) missingWrites.push(`note of visit ${visitId}: "${plan}" acknowledged, "${row?.plan}" stored`);
  }
  const storedPrescriptions = new Set((await db.models.Prescription.findAll({ where: { id: prescriptions }, attributes: ['id'] })).map((p) => p.id));
  for (const id of prescriptions) if (!storedPrescriptions.has(id)) missingWrites.push(`prescription ${id}`);
  const dispenses = new Set((await db.models.MedicationDispense.findAll({ where: { prescriptionId: [...dispensed] }, attributes: ['prescriptionId'] })).map((d) => d.prescriptionId));
  for (const id of dispensed) if (!dispenses.has(id)) missingWrites.push(`dispense of ${id}`);

  // Flat once warm: the first quarter of the run warms the node (JIT, pools, caches, the heap's first growth);
  // the level it reached in the second quarter (its highest sample) is what the end is compared with.
  const warm = rssSamples.filter((sample) => sample.at >= options.seconds * 250 && sample.at < options.seconds * 500).map((sample) => sample.mib);
  const start = warm.length ? Math.max(...warm) : rssSamples[0].mib;
  const end = rssSamples[rssSamples.length - 1].mib;
  const p50 = quantileOf(metrics, 'hospital_http_request_duration_seconds', 0.5);
  const p99 = quantileOf(metrics, 'hospital_http_request_duration_seconds', 0.99);
  return {
    operations: operationsStarted, requests, statuses, serverErrors, unanswered, unexpected,
    doubleBookings: Number(doubleBookings), doubleDispenses: Number(doubleDispenses), missingWrites,
    acknowledged: {
      bookings: booked.size, cancellations: [...cancelled].length, readings: readings.size, notes: notes.size,
      prescriptions: prescriptions.length, dispensed: dispensed.size,
    },
    rss: { startMiB: Math.round(start), endMiB: Math.round(end), maxMiB: Math.round(Math.max(...rssSamples.map((sample) => sample.mib))), growth: Number((end / start - 1).toFixed(3)) },
    latency: { requests: p50.count, p50: p50.bound, p99: p99.bound }, maxInFlight,
  };
}
