import type { Client } from 'fhir-kit-client';
import type { Partner } from '../../db/models/consultations.js';
import type { PrescriptionStatus } from '../../db/models/prescription.js';
import type { Caller } from '../auth/caller.js';
import { DISPENSING_SCOPE } from '../auth/client-assertion-grant.js';
import { withPartner, PartnerRefused, PartnerTimeout, type PartnerCallDeps } from '../exchange/partner-client.js';
import { DomainError, Unavailable } from '../http/errors.js';
import {
  acceptPrescription, closePrescription, giveBackPrescription, lookUpPrescription, pharmacyOf, type DispensingState,
} from './dispense.js';
import { TASK_STATUS } from './fhir-views.js';
import type { Jwks, SignedDocument } from './signing.js';

/** What the issuer says of a prescription: its dispensing state and the signed document. */
export interface IssuerAnswer {
  state: Omit<DispensingState, 'validUntil'>;
  signed: Pick<SignedDocument, 'content' | 'jws'>;
}

export interface HandOver { lineId: string; drugCode: string; quantity: number }

/**
 * The issuer of a prescription as a dispensing pharmacy talks to it: this node itself (direct calls into the
 * Task state machine) or a partner node (its FHIR Task operations over fhir-kit-client with a system token).
 * Either way the issuer decides every transition; this is only the way to ask.
 */
export interface IssuerConnection {
  /** The issuer's FHIR base URL. */
  issuer: string;
  /** The partner registration (null: this node). */
  partner: Partner | null;
  /** The keys the issuer signs with, holding `kid` if it has it: our own ring, or the partner's registered JWKS. */
  jwks(kid: string | undefined): Promise<Jwks>;
  lookUp(prescriptionId: string, accessCode: string): Promise<IssuerAnswer>;
  accept(prescriptionId: string, accessCode: string, idempotencyKey: string): Promise<IssuerAnswer & { secret: string }>;
  giveBack(prescriptionId: string, secret: string): Promise<void>;
  close(prescriptionId: string, secret: string, handOver: HandOver[], idempotencyKey: string): Promise<{ receipt: Pick<SignedDocument, 'content' | 'jws'> }>;
}

export type ConnectionDeps = PartnerCallDeps;

const stateOf = (row: DispensingState) => ({ status: row.status, completedAt: row.completedAt, cancelledAt: row.cancelledAt });

/** This node as the issuer: the same functions its /fhir/Task operations call, as the pharmacist. */
export function ownIssuer(deps: ConnectionDeps, caller: Caller): IssuerConnection {
  const { db, keys } = deps;
  return {
    issuer: deps.ownFhirBaseUrl,
    partner: null,
    jwks: async () => keys.jwks(),
    async lookUp(id, accessCode) {
      const { prescription, signed } = await lookUpPrescription(db, caller, id, { accessCode });
      return { state: stateOf(prescription), signed };
    },
    async accept(id, accessCode) {
      const accepted = await acceptPrescription(db, caller, id, { accessCode, pharmacy: await pharmacyOf(db, caller, undefined) });
      return { state: stateOf(accepted.prescription), signed: accepted.signed, secret: accepted.secret };
    },
    async giveBack(id, secret) {
      await giveBackPrescription(db, caller, id, { secret });
    },
    async close(id, secret, handOver) {
      const closed = await closePrescription(db, keys, caller, id, { secret, dispenses: handOver });
      return { receipt: closed.receipt };
    },
  };
}

type Parameter = { name?: string; valueString?: string; valueBase64Binary?: string; resource?: Record<string, unknown> };
const fromTaskStatus = Object.fromEntries(Object.entries(TASK_STATUS).map(([ours, task]) => [task, ours])) as Record<string, PrescriptionStatus>;

function answerOf(body: unknown, issuer: string): IssuerAnswer & { secret?: string } {
  const parameter = ((body as { parameter?: Parameter[] } | null)?.parameter ?? []);
  const named = (name: string) => parameter.find((p) => p.name === name);
  const task = named('task')?.resource as { status?: string; lastModified?: string } | undefined;
  const content = named('prescription')?.valueBase64Binary;
  const jws = named('signature')?.valueString;
  const status = task?.status ? fromTaskStatus[task.status] : undefined;
  if (!status || content === undefined || jws === undefined) {
    throw new Unavailable('issuer-answer-unreadable', `The issuer ${issuer} answered without a Task, signed prescription and signature.`);
  }
  const when = task?.lastModified ? new Date(task.lastModified) : null;
  return {
    state: { status, completedAt: status === 'completed' ? when : null, cancelledAt: status === 'cancelled' ? when : null },
    signed: { content: Buffer.from(content, 'base64').toString('utf8'), jws },
    secret: named('secret')?.valueString,
  };
}

/**
 * A partner's refusal keeps its status and code (the same documented codes on every node), with the issuer
 * named; no answer at all is 503 `issuer-unavailable`, and nothing was dispensed.
 */
function relayed(error: unknown, issuer: string): never {
  if (error instanceof DomainError) throw error;
  const response = (error as { response?: { status?: number; data?: unknown } }).response;
  const issue = (response?.data as { issue?: { details?: { coding?: { code?: string }[]; text?: string }; diagnostics?: string }[] } | undefined)?.issue?.[0];
  const code = issue?.details?.coding?.[0]?.code;
  if (response?.status && response.status < 500 && code) {
    const text = issue?.diagnostics ?? issue?.details?.text ?? code;
    throw new DomainError(response.status, code, `The issuer ${issuer} refused: ${text}`, response.status === 409 ? 'conflict' : 'business-rule');
  }
  if (error instanceof PartnerRefused) {
    throw new Unavailable('issuer-refused-partner', `The issuer ${issuer} does not accept this hospital as its partner (${error.message}); nothing was dispensed.`);
  }
  const why = error instanceof PartnerTimeout ? error.message : response?.status ? `HTTP ${response.status}` : (error as Error).message;
  throw new Unavailable('issuer-unavailable', `The issuer ${issuer} could not be reached (${why}); nothing was dispensed. Try again later.`);
}

const parameters = (values: Record<string, string>, resources: { name: string; resource: unknown }[] = []) => ({
  resourceType: 'Parameters',
  parameter: [...Object.entries(values).map(([name, valueString]) => ({ name, valueString })), ...resources],
});

/** A partner node as the issuer: its Task operations over HTTP, bounded by the partner timeout. */
export function partnerIssuer(deps: ConnectionDeps, partner: Partner, pharmacy: string): IssuerConnection {
  const issuer = partner.fhirBaseUrl;
  const call = async <T>(work: (client: Client, signal: AbortSignal) => Promise<T>): Promise<T> => {
    try {
      return await withPartner(deps, partner, DISPENSING_SCOPE, work);
    } catch (error) {
      return relayed(error, issuer);
    }
  };
  const operation = (id: string, name: string, input: unknown, idempotencyKey?: string) => call((client, signal) => client.operation({
    name, resourceType: 'Task', id, method: 'POST', input: input as never,
    options: { signal, headers: idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {} },
  }));
  return {
    issuer,
    partner,
    async jwks(kid) {
      try {
        return await deps.partnerKeys.holding(partner.jwksUrl, kid);
      } catch (error) {
        throw new Unavailable('issuer-keys-unavailable', `The keys of ${partner.name} could not be fetched to verify the prescription: ${(error as Error).message}.`);
      }
    },
    lookUp: async (id, accessCode) => answerOf(await operation(id, '$lookup', parameters({ accessCode })), issuer),
    async accept(id, accessCode, idempotencyKey) {
      const answer = answerOf(await operation(id, '$accept', parameters({ accessCode, pharmacy }), idempotencyKey), issuer);
      if (!answer.secret) throw new Unavailable('issuer-answer-unreadable', `The issuer ${issuer} accepted without giving a secret.`);
      return { ...answer, secret: answer.secret };
    },
    async giveBack(id, secret) {
      await operation(id, '$reject', parameters({ secret }));
    },
    async close(id, secret, handOver, idempotencyKey) {
      const dispenses = handOver.map((h) => ({
        name: 'dispense',
        resource: {
          resourceType: 'MedicationDispense', status: 'completed',
          medicationCodeableConcept: { coding: [{ code: h.drugCode }] },
          authorizingPrescription: [{ reference: `MedicationRequest/${h.lineId}` }], quantity: { value: h.quantity },
        },
      }));
      const body = await operation(id, '$close', parameters({ secret }, dispenses), idempotencyKey) as { parameter?: Parameter[] };
      const named = (name: string) => body.parameter?.find((p) => p.name === name);
      const content = named('receipt')?.valueBase64Binary;
      const jws = named('receiptSignature')?.valueString;
      if (content === undefined || jws === undefined) throw new Unavailable('issuer-answer-unreadable', `The issuer ${issuer} closed without a signed receipt.`);
      return { receipt: { content: Buffer.from(content, 'base64').toString('utf8'), jws } };
    },
  };
}
