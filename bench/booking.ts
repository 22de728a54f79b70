/**
 * Booking benchmark: N concurrent HTTP clients book (1) distinct slots and (2) contended slots (many clients per
 * slot) through POST /api/appointments, then the database is checked for double bookings (must be 0).
 * Baseline in the same run, on the same database: plain Express + one INSERT in a transaction.
 *
 *   npx tsx bench/booking.ts                       # a new SQLite file under the OS temp dir
 *   DATABASE_URL=mysql://root@127.0.0.1:3306/bench_booking npx tsx bench/booking.ts   # an EMPTY MariaDB database
 *   CLIENTS=32 DISTINCT=600 CONTENDED_SLOTS=20 CONTENDERS=20 npx tsx bench/booking.ts
 */
import './support/as-in-production.js';
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { DataTypes } from 'sequelize';
import { openDatabase, type Database } from '../db/connection.js';
import { migrate } from '../db/migrate.js';
import { seedRecords } from '../db/seeds/seed-records.js';
import { buildApp } from '../server/app.js';
import { generateSigningKey, keyRing } from '../server/auth/keys.js';
import { grantScopes } from '../server/auth/scopes.js';
import { loadConfig } from '../server/config.js';
import * as records from '../server/fhir/repository/records.js';

const num = (key: string, fallback: number) => Number(process.env[key] ?? fallback);
const CLIENTS = num('CLIENTS', 32);
const DISTINCT = num('DISTINCT', 600);
const CONTENDED_SLOTS = num('CONTENDED_SLOTS', 20);
const CONTENDERS = num('CONTENDERS', 20);

interface Outcome { status: number; ms: number }
interface Figures { label: string; requests: number; ok: number; conflicts: number; perSecond: number; p50: number; p99: number }

/** Runs `jobs` with at most `CLIENTS` in flight; each job is one HTTP request. */
async function drive(jobs: Array<() => Promise<number>>): Promise<{ outcomes: Outcome[]; seconds: number }> {
  const outcomes: Outcome[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(CLIENTS, jobs.length) }, async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      const t = performance.now();
      const status = await job();
      outcomes.push({ status, ms: performance.now() - t });
    }
  }));
  return { outcomes, seconds: (performance.now() - started) / 1000 };
}

function figures(label: string, { outcomes, seconds }: { outcomes: Outcome[]; seconds: number }, okStatus: number): Figures {
  const sorted = outcomes.map((o) => o.ms).sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  const ok = outcomes.filter((o) => o.status === okStatus).length;
  const other = outcomes.filter((o) => o.status !== okStatus && o.status !== 409);
  if (other.length) console.error(`${label}: ${other.length} unexpected statuses, e.g. ${other[0].status}`);
  return {
    label, requests: outcomes.length, ok, conflicts: outcomes.filter((o) => o.status === 409).length,
    perSecond: outcomes.length / seconds, p50: pct(0.5), p99: pct(0.99),
  };
}

async function post(url: string, body: unknown, token?: string): Promise<number> {
  const res = await fetch(url, {
    method: 'POST', body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  await res.arrayBuffer();
  return res.status;
}

async function setUp(db: Database, slotCount: number, patientCount: number) {
  const m = db.models;
  // Each row with its stored resource, as the records give a row they create (a booking changes the slot's).
  const { doctor, schedule } = await db.transaction(async (tx) => {
    const ctx = seedRecords(db, tx);
    const org = await m.Organization.create({ id: crypto.randomUUID(), name: 'Bench Hospital', kind: 'hospital', identifier: `bench-${Date.now()}` }, { transaction: tx });
    await records.created(ctx, 'Organization', org);
    const doctor = await m.Practitioner.create({
      id: crypto.randomUUID(), givenName: 'Bench', familyName: 'Doctor', organizationId: org.id, specialtyCode: null, specialtyDisplay: null,
    }, { transaction: tx });
    await records.created(ctx, 'Practitioner', doctor);
    const schedule = await m.Schedule.create({
      id: crypto.randomUUID(), practitionerId: doctor.id, timeZone: 'UTC', slotMinutes: 10, bufferMinutes: 0, horizonDays: 14,
    }, { transaction: tx });
    await records.created(ctx, 'Schedule', schedule);
    return { doctor, schedule };
  });
  const base = Date.now() + 86_400_000;
  const slots = Array.from({ length: slotCount }, (_, i) => ({
    id: crypto.randomUUID(), scheduleId: schedule.id, practitionerId: doctor.id, start: new Date(base + i * 600_000),
    end: new Date(base + (i + 1) * 600_000), visitTypes: 'in-person', status: 'free' as const,
  }));
  for (let i = 0; i < slots.length; i += 500) {
    const chunk = await m.Slot.bulkCreate(slots.slice(i, i + 500));
    await db.transaction((tx) => records.createdAll(seedRecords(db, tx), 'Slot', chunk));
  }
  const patients = Array.from({ length: patientCount }, () => ({ patientId: crypto.randomUUID(), userId: crypto.randomUUID() }));
  for (let i = 0; i < patients.length; i += 500) {
    const chunk = patients.slice(i, i + 500);
    const rows = await m.Patient.bulkCreate(chunk.map((p) => ({ id: p.patientId, givenName: 'Bench', familyName: 'Patient', birthDate: null, gender: 'unknown' as const, phone: null, email: null, timeZone: 'UTC' })));
    await db.transaction((tx) => records.createdAll(seedRecords(db, tx), 'Patient', rows));
    await m.User.bulkCreate(chunk.map((p) => ({ id: p.userId, email: `${p.userId}@bench.test`, passwordHash: 'x', role: 'patient' as const, displayName: 'Bench', patientId: p.patientId, practitionerId: null, organizationId: null })));
  }
  return { slots, patients };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-booking-'));
  const databaseUrl = process.env.DATABASE_URL || `sqlite:${path.join(dir, 'bench.db')}`;
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' });
  const db = await openDatabase(databaseUrl);
  await migrate(db);
  const contendedPatients = CONTENDED_SLOTS * CONTENDERS;
  const { slots, patients } = await setUp(db, DISTINCT + CONTENDED_SLOTS, DISTINCT + contendedPatients);
  const { app, node } = buildApp({ config, db, keys: keyRing([generateSigningKey()]) });
  const tokens = patients.map((p) => node.tokens.issueAccessToken({
    sub: p.userId, role: 'patient', patient: p.patientId, practitioner: null, org: null, scope: grantScopes('patient', undefined).join(' '),
  }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/appointments`;

  // Baseline: plain Express, one INSERT in a transaction, same database and same transaction discipline.
  const Baseline = db.sequelize.define('BenchBooking', {
    id: { type: DataTypes.STRING(64), primaryKey: true }, slotId: DataTypes.STRING(64), patientId: DataTypes.STRING(64),
  }, { tableName: 'bench_bookings', timestamps: false });
  await Baseline.sync({ force: true });
  const plain = express();
  plain.use(express.json());
  plain.post('/book', async (req, res) => {
    await db.transaction((tx) => Baseline.create({ id: crypto.randomUUID(), slotId: req.body.slotId, patientId: req.body.patientId }, { transaction: tx }));
    res.status(201).json({ ok: true });
  });
  const plainServer = plain.listen(0, '127.0.0.1');
  await new Promise((resolve) => plainServer.once('listening', resolve));
  const plainUrl = `http://127.0.0.1:${(plainServer.address() as AddressInfo).port}/book`;

  const distinctJobs = slots.slice(0, DISTINCT).map((slot, i) => () => post(url, { slotId: slot.id, visitType: 'in-person' }, tokens[i]));
  const contended = slots.slice(DISTINCT);
  const contendedJobs = Array.from({ length: contendedPatients }, (_, i) => {
    const slot = contended[i % CONTENDED_SLOTS];
    return () => post(url, { slotId: slot.id, visitType: 'in-person' }, tokens[DISTINCT + i]);
  });
  const baselineJobs = slots.slice(0, DISTINCT).map((slot, i) => () => post(plainUrl, { slotId: slot.id, patientId: patients[i].patientId }));

  const baseline = figures('baseline: Express + 1 INSERT', await drive(baselineJobs), 201);
  const distinct = figures('booking, distinct slots', await drive(distinctJobs), 201);
  const race = figures(`booking, ${CONTENDED_SLOTS} slots × ${CONTENDERS} clients`, await drive(contendedJobs), 201);

  const rows = await db.models.Appointment.findAll({ attributes: ['slotId'], where: { status: 'booked' } });
  const perSlot = new Map<string, number>();
  for (const r of rows) perSlot.set(r.slotId, (perSlot.get(r.slotId) ?? 0) + 1);
  const doubleBookings = [...perSlot.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
  const busyWithoutHolder = await db.models.Slot.count({ where: { status: 'busy' } }) - perSlot.size;

  console.log(`\nBooking benchmark on ${db.dialect} (${CLIENTS} concurrent clients)\n`);
  console.log('| run | requests | 201 | 409 | req/s | p50 ms | p99 ms |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const f of [baseline, distinct, race]) {
    console.log(`| ${f.label} | ${f.requests} | ${f.ok} | ${f.conflicts} | ${f.perSecond.toFixed(0)} | ${f.p50.toFixed(1)} | ${f.p99.toFixed(1)} |`);
  }
  console.log(`\nbookings/s (distinct slots): ${distinct.perSecond.toFixed(0)} vs baseline ${baseline.perSecond.toFixed(0)} = ${(100 * distinct.perSecond / baseline.perSecond).toFixed(0)} % (target ≥ 40 %)`);
  console.log(`contended: ${race.ok} booked for ${CONTENDED_SLOTS} slots (expected ${CONTENDED_SLOTS}), ${race.conflicts} × 409`);
  console.log(`double bookings found: ${doubleBookings} (must be 0); busy slots without a booking: ${busyWithoutHolder}`);

  server.close();
  plainServer.close();
  await Baseline.drop();
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  if (doubleBookings > 0 || race.ok !== CONTENDED_SLOTS) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
