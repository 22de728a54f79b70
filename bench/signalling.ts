/**
 * Video signalling under load on one instance: N concurrent rooms (default 1,000 rooms = 2,000 sockets).
 *   npx tsx bench/signalling.ts [rooms] [messagesPerSocket]
 * The server (the real app + attachSignalling, SQLite in a temp folder, memory rooms) runs in the main thread;
 * the 2N clients run in a worker thread, so the main thread's heap is the server's alone and one clock times
 * both ends of every relayed message. Prints join-to-connected time of the signalling exchange (join, wait,
 * admit, offer/answer, 4+4 trickled candidates, media connected), relay latency p50/p99 with every room open,
 * and server memory per room.
 */
import './support/as-in-production.js';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import WebSocket from 'ws';

interface Job { wsUrl: string; rooms: Array<{ patient: string; doctor: string }>; messages: number; concurrency: number }
interface Report { joinMs: number[]; relayMs: number[]; failures: string[]; exchangeWallMs: number }

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
};

// ---------------------------------------------------------------- clients (worker thread)
class Client {
  private waiters: Array<{ type: string; resolve: (m: Record<string, unknown>) => void }> = [];
  /** Messages nobody waited for yet (several can arrive in one socket read). */
  private inbox: Array<Record<string, unknown>> = [];
  onSignal: ((m: Record<string, unknown>) => void) | null = null;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw)) as Record<string, unknown>;
      if (m.type === 'signal' && this.onSignal) this.onSignal(m);
      if (m.type === 'signal') return;
      if (m.type === 'error') {
        for (const w of this.waiters.splice(0)) w.resolve(m);
        return;
      }
      const i = this.waiters.findIndex((w) => w.type === m.type);
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(m);
      else this.inbox.push(m);
    });
  }
  static async join(url: string, token: string) {
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    const client = new Client(ws);
    const joined = client.wait('joined');
    client.send({ type: 'join', token });
    const answer = await joined;
    if (answer.type !== 'joined') throw new Error(`join refused: ${String(answer.code)}`);
    return client;
  }
  wait(type: string) {
    const i = this.inbox.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0]);
    return new Promise<Record<string, unknown>>((resolve) => this.waiters.push({ type, resolve }));
  }
  send(m: unknown) { this.ws.send(JSON.stringify(m)); }
}

const candidate = (i: number) => ({ type: 'candidate', candidate: { candidate: `candidate:${i} 1 udp 2122260223 127.0.0.1 ${50000 + i} typ host`, sdpMid: '0', sdpMLineIndex: 0 } });
const fakeSdp = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' + 'a=x\r\n'.repeat(300);

async function connectRoom(url: string, room: { patient: string; doctor: string }) {
  const t0 = performance.now();
  const patient = await Client.join(url, room.patient);
  const doctorJoin = Client.join(url, room.doctor);
  const doctor = await doctorJoin;
  await doctor.wait('peer-joined');
  const admitted = Promise.all([patient.wait('admitted'), doctor.wait('admitted')]);
  doctor.send({ type: 'admit' });
  await admitted;
  // simple-peer's exchange with trickle: offer, answer, then candidates both ways.
  let toPatient = 0;
  let toDoctor = 0;
  const done = new Promise<void>((resolve) => {
    const check = () => { if (toPatient === 5 && toDoctor === 5) resolve(); };
    patient.onSignal = (m) => {
      toPatient++;
      if ((m.data as { type: string }).type === 'offer') {
        patient.send({ type: 'signal', gen: 1, data: { type: 'answer', sdp: fakeSdp } });
        for (let i = 0; i < 4; i++) patient.send({ type: 'signal', gen: 1, data: candidate(i) });
      }
      check();
    };
    doctor.onSignal = () => { toDoctor++; check(); };
  });
  doctor.send({ type: 'signal', gen: 1, data: { type: 'offer', sdp: fakeSdp } });
  for (let i = 0; i < 4; i++) doctor.send({ type: 'signal', gen: 1, data: candidate(10 + i) });
  await done;
  patient.send({ type: 'media', state: 'connected' });
  doctor.send({ type: 'media', state: 'connected' });
  return { patient, doctor, ms: performance.now() - t0 };
}

async function runClients(job: Job): Promise<Report> {
  const report: Report = { joinMs: [], relayMs: [], failures: [], exchangeWallMs: 0 };
  const pairs: Array<{ patient: Client; doctor: Client }> = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: job.concurrency }, async () => {
    while (next < job.rooms.length) {
      const room = job.rooms[next++];
      try {
        const pair = await connectRoom(job.wsUrl, room);
        report.joinMs.push(pair.ms);
        pairs.push(pair);
      } catch (error) {
        report.failures.push((error as Error).message);
      }
    }
  }));
  report.exchangeWallMs = performance.now() - started;
  parentPort!.postMessage({ phase: 'connected', rooms: pairs.length });
  await new Promise<void>((resolve) => parentPort!.once('message', () => resolve()));

  // Relay latency with every room open: each doctor sends `messages` signals, 100 ms apart, spread over the period.
  await Promise.all(pairs.map(async ({ patient, doctor }, i) => {
    let received = 0;
    const all = new Promise<void>((resolve) => {
      patient.onSignal = (m) => {
        report.relayMs.push(performance.now() - Number((m.data as { sdp: string }).sdp));
        if (++received === job.messages) resolve();
      };
    });
    await new Promise((resolve) => setTimeout(resolve, (i * 100) / pairs.length));
    for (let k = 0; k < job.messages; k++) {
      doctor.send({ type: 'signal', gen: 1, data: { type: 'renegotiate', sdp: String(performance.now()) } });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await all;
  }));
  for (const { patient, doctor } of pairs) { patient.ws.close(); doctor.ws.close(); }
  return report;
}

// ---------------------------------------------------------------- server (main thread)
function forceGc() {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
  gc();
}

async function main() {
  const rooms = Number(process.argv[2] ?? 1000);
  const messages = Number(process.argv[3] ?? 20);
  const { openDatabase } = await import('../db/connection.js');
  const { migrate } = await import('../db/migrate.js');
  const { seedDemoHospital } = await import('../db/seeds/demo-hospital.js');
  const { buildApp } = await import('../server/app.js');
  const { generateSigningKey, keyRing } = await import('../server/auth/keys.js');
  const { loadConfig } = await import('../server/config.js');
  const { attachSignalling } = await import('../server/video/signalling.js');
  const { issueRoomToken } = await import('../server/video/room-tokens.js');

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-signalling-'));
  const config = {
    ...loadConfig({ NODE_ENV: 'test', DATABASE_URL: `sqlite:${path.join(dir, 'bench.db')}`, DEMO_PASSWORD: 'bench-password' }),
  };
  config.video = { ...config.video, maxMessagesPerSecond: 1000 };
  const db = await openDatabase(config.databaseUrl);
  await migrate(db);
  await seedDemoHospital(db, 'bench-password');
  const { app, node } = buildApp({ config, db, keys: keyRing([generateSigningKey()]) });
  const alice = await db.models.User.findOne({ where: { email: 'alice@demo.test' }, rejectOnEmpty: true });
  const chen = await db.models.User.findOne({ where: { email: 'dr.chen@demo.test' }, rejectOnEmpty: true });

  const start = new Date(Date.now() + 5 * 60_000);
  const appointments = Array.from({ length: rooms }, () => {
    const slot = crypto.randomUUID();
    return {
      id: crypto.randomUUID(), slotId: slot, heldSlotId: slot, patientId: alice.patientId!, practitionerId: chen.practitionerId!,
      visitType: 'video-follow-up' as const, status: 'booked' as const, start, end: new Date(start.getTime() + 20 * 60_000),
      reasonConditionId: null, cancellationReason: null, cancelledAt: null,
    };
  });
  await db.models.Appointment.bulkCreate(appointments);
  const token = (appointmentId: string, side: 'patient' | 'doctor', userId: string) =>
    issueRoomToken(node.keys, config.publicBaseUrl, 3600, { appointmentId, userId, side });
  const job: Job = {
    wsUrl: '', messages, concurrency: Math.min(rooms, 50),
    rooms: appointments.map((a) => ({ patient: token(a.id, 'patient', alice.id), doctor: token(a.id, 'doctor', chen.id) })),
  };

  const server = http.createServer(app);
  const signalling = attachSignalling(server, node);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  job.wsUrl = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/visits/signal`;

  forceGc();
  const before = process.memoryUsage();
  // A worker does not inherit tsx's loader on Node 20: register it, then load this file as the worker.
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: job });
  const report = await new Promise<Report>((resolve, reject) => {
    worker.on('message', (m: { phase?: string } & Partial<Report>) => {
      if (m.phase === 'connected') {
        forceGc();
        const after = process.memoryUsage();
        const perRoomKiB = (k: 'heapUsed' | 'rss') => ((after[k] - before[k]) / rooms / 1024).toFixed(1);
        console.log(`rooms open: ${signalling.bus.roomCount}, sockets: ${signalling.connectionCount}`);
        console.log(`server memory per room: heap ${perRoomKiB('heapUsed')} KiB, rss ${perRoomKiB('rss')} KiB ` +
          `(heap ${(before.heapUsed / 2 ** 20).toFixed(0)} → ${(after.heapUsed / 2 ** 20).toFixed(0)} MiB)`);
        worker.postMessage('go');
      } else resolve(m as Report);
    });
    worker.on('error', reject);
  });
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  console.log(`join-to-connected (${report.joinMs.length} rooms, ${job.concurrency} in flight, DB writes on SQLite): ` +
    `p50 ${ms(percentile(report.joinMs, 50))}, p99 ${ms(percentile(report.joinMs, 99))}; all rooms in ${ms(report.exchangeWallMs)}`);
  console.log(`relay latency (${report.relayMs.length} messages, ${rooms} rooms open, ${rooms * 10} msg/s): ` +
    `p50 ${ms(percentile(report.relayMs, 50))}, p99 ${ms(percentile(report.relayMs, 99))}, max ${ms(Math.max(...report.relayMs))}`);
  if (report.failures.length) console.log(`failures: ${report.failures.length} (${report.failures.slice(0, 3).join('; ')})`);
  await signalling.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

if (isMainThread) {
  await main();
} else {
  parentPort!.postMessage(await runClients(workerData as Job));
}
