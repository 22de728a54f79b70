import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import WebSocket from 'ws';
import type { HospitalNode } from '../../server/hospital-node.js';
import { attachSignalling, type Signalling } from '../../server/video/signalling.js';
import type { RoomBus } from '../../server/video/room-bus.js';
import { bookedAppointment, newDoctor, newPatient, recordInPersonVisit } from './factories.js';
import type { TestNode } from './test-node.js';

/** The node's app listening on 127.0.0.1 with video signalling attached, as server/main.ts does. */
export async function listeningNode(hospital: TestNode, options: { bus?: RoomBus; node?: HospitalNode } = {}) {
  const server = http.createServer(hospital.app);
  const signalling: Signalling = attachSignalling(server, options.node ?? hospital.node, options);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server, signalling, base, wsUrl: `${base.replace('http', 'ws')}/visits/signal`,
    async close() {
      await signalling.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A doctor, a patient in their care and a video appointment starting in `startsInMinutes`. */
export async function videoVisit(hospital: TestNode, startsInMinutes = 5) {
  const doctor = await newDoctor(hospital);
  const patient = await newPatient(hospital, 'Vivian');
  await recordInPersonVisit(hospital, patient.patientId, doctor.practitionerId);
  const appointment = await bookedAppointment(hospital, {
    patientId: patient.patientId, practitionerId: doctor.practitionerId, start: new Date(Date.now() + startsInMinutes * 60_000),
  });
  return { doctor, patient, appointmentId: appointment.id };
}

export async function roomToken(hospital: TestNode, appointmentId: string, accessToken: string): Promise<string> {
  const res = await request(hospital.app).post(`/api/appointments/${appointmentId}/video-token`).set('authorization', `Bearer ${accessToken}`);
  if (res.status !== 201) throw new Error(`video-token answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.token as string;
}

export type ServerMessage = { type: string; [key: string]: unknown };

/** A signalling client speaking the protocol with plain `ws`, keeping every message it hears. */
export class SignalClient {
  readonly heard: ServerMessage[] = [];
  closeCode: number | null = null;
  private waiters: Array<{ test: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }> = [];
  private closedWaiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as ServerMessage;
      this.heard.push(message);
      for (const waiter of [...this.waiters]) {
        if (waiter.test(message)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(message);
        }
      }
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      for (const resolve of this.closedWaiters.splice(0)) resolve();
    });
  }

  static async open(url: string): Promise<SignalClient> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    return new SignalClient(ws);
  }

  /** Opens a socket and joins with the token; resolves with the first answer (joined or error). */
  static async join(url: string, token: string): Promise<{ client: SignalClient; answer: ServerMessage }> {
    const client = await SignalClient.open(url);
    const answer = client.next((m) => m.type === 'joined' || m.type === 'error');
    client.send({ type: 'join', token });
    return { client, answer: await answer };
  }

  send(message: unknown) { this.ws.send(typeof message === 'string' ? message : JSON.stringify(message)); }

  /** The first message heard from `since` on (already heard or still to come) that passes the test. */
  next(test: (m: ServerMessage) => boolean, since = 0): Promise<ServerMessage> {
    const found = this.heard.slice(since).find(test);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  nextOfType(type: string, since?: number) { return this.next((m) => m.type === type, since); }

  closed(): Promise<void> {
    if (this.closeCode !== null) return Promise.resolve();
    return new Promise((resolve) => this.closedWaiters.push(resolve));
  }

  async close() {
    if (this.closeCode === null) {
      this.ws.close();
      await this.closed();
    }
  }
}

/** Waits until `check` passes (the server writes session lines asynchronously after a socket closes). */
export async function eventually<T>(check: () => Promise<T>, tries = 100): Promise<T> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      return await check();
    } catch (error) {
      last = error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw last;
}

type Joined = Awaited<ReturnType<typeof SignalClient.join>>;

/**
 * The patient and the doctor, each joined to the visit's room (through any instances): each sees the other join,
 * the doctor admits, an offer and an answer cross, and the doctor sees the patient leave.
 */
export async function expectSignallingBetween(p: Joined, d: Joined): Promise<void> {
  expect(await d.client.nextOfType('peer-joined')).to.include({ side: 'patient' });
  expect(await p.client.nextOfType('peer-joined')).to.include({ side: 'doctor' });
  d.client.send({ type: 'admit' });
  await Promise.all([p.client.nextOfType('admitted'), d.client.nextOfType('admitted')]);
  d.client.send({ type: 'signal', gen: 1, data: { type: 'offer', sdp: 'v=0\r\n' } });
  expect(await p.client.nextOfType('signal')).to.deep.include({ gen: 1, data: { type: 'offer', sdp: 'v=0\r\n' } });
  p.client.send({ type: 'signal', gen: 1, data: { type: 'answer', sdp: 'v=0\r\n' } });
  expect(await d.client.nextOfType('signal')).to.deep.include({ data: { type: 'answer', sdp: 'v=0\r\n' } });
  await p.client.close();
  expect(await d.client.nextOfType('peer-left')).to.include({ side: 'patient' });
  await d.client.close();
}
