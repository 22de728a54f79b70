import type { ChargeItem } from '@medplum/fhirtypes';
import type { Database } from '../../db/connection.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import type { Config } from '../config.js';
import { isClosedVisit } from '../consultations/visit-lifecycle.js';
import { Conflict, Forbidden, NotFound } from '../http/errors.js';
import { warmUpValidation } from '../fhir/r4-validation-thread.js';
import type { FhirContext } from '../fhir/registry.js';
import * as repository from '../fhir/repository/repository.js';
import { findMatches } from '../fhir/repository/search.js';
import { loadRow } from '../fhir/repository/store.js';
import { currentCatalogue } from './catalogue.js';
import { chargeIdentifierOf, chargeItemIdOf, visitChargeItem, BILLING_DECISION_EXTENSION } from './charge-item.js';
import { claimChargeKey, codesBilledOn, releaseChargeKey } from './charge-keys.js';
import { decideVisitCharges } from './decide-visit-charges.js';
import { fails } from './rules/rule-result.js';
import { visitFacts, type BilledService } from './visit-facts.js';

type BillingNode = { db: Database; config: Config };

/** A charge as the doctor and admin see it in /api answers: the code, billable or not, and each rule's reason. */
export interface ChargeView {
  id: string;
  code: string;
  system: string;
  display: string;
  status: ChargeItem['status'];
  minutes: number | null;
  reasons: Array<{ code: string; display: string }>;
  versionId: string;
}

export function chargeView(resource: ChargeItem): ChargeView {
  const decision = resource.extension?.find((e) => e.url === BILLING_DECISION_EXTENSION)?.extension ?? [];
  const coding = resource.code?.coding?.[0];
  return {
    id: resource.id!, code: coding?.code ?? '', system: coding?.system ?? '', display: coding?.display ?? '', status: resource.status,
    minutes: decision.find((e) => e.url === 'minutes')?.valueInteger ?? null,
    reasons: decision.filter((e) => e.url === 'reason').map((e) => ({ code: e.valueCoding?.code ?? '', display: e.valueCoding?.display ?? '' })),
    versionId: resource.meta?.versionId ?? '1',
  };
}

const fhirContext = (node: BillingNode, caller: Caller): FhirContext => ({
  db: node.db, caller, config: node.config, baseUrl: `${node.config.publicBaseUrl}/fhir`,
});

/** The ChargeItems already written for a visit (every code, whatever its status). */
async function chargesOfVisit(ctx: FhirContext, encounterId: string): Promise<ChargeItem[]> {
  const { resources } = await findMatches(ctx, 'ChargeItem', { context: [`Encounter/${encounterId}`] }, { strict: true, limit: 100 });
  return resources as ChargeItem[];
}

/** The ChargeItems written for an appointment before it became a visit (it was cancelled or marked a no-show). */
async function chargesOfAppointment(ctx: FhirContext, appointmentId: string): Promise<ChargeItem[]> {
  const { resources } = await findMatches(ctx, 'ChargeItem', { 'supporting-information': [`Appointment/${appointmentId}`] }, { strict: true, limit: 100 });
  return resources as ChargeItem[];
}

const saysNoShow = (charge: ChargeItem) => chargeView({ ...charge, id: charge.id ?? '' }).reasons.some((r) => r.code === 'no-show');

/**
 * Turns a visit into its ChargeItems, inside the caller's transaction (the finish's, so a visit is never finished
 * without its charges): facts → rules → the database's duplicate key → one ChargeItem per code, written through
 * the FHIR repository (versioned and audited there). Run again (recompute), it writes a new version of each
 * charge, and marks entered-in-error a charge whose code no longer applies; earlier versions are kept.
 */
export const chargeVisit = (node: BillingNode, caller: Caller, encounterId: string, chosenCode?: string): Promise<ChargeView[]> =>
  chargeService(node, caller, { encounterId }, chosenCode);

/**
 * The charges of a visit, or of an appointment that never became one. A visit held after its appointment was charged
 * as a no-show stays a no-show (the appointment's charge says so), and the appointment's charges give way to the
 * visit's (entered-in-error, their versions kept).
 */
async function chargeService(node: BillingNode, caller: Caller, service: BilledService, chosenCode?: string): Promise<ChargeView[]> {
  const { db, config } = node;
  return db.transaction(async (tx) => {
    const ctx = { ...fhirContext(node, caller), tx };
    const base = await visitFacts(db, config, service);
    const ofAppointment = base.appointmentId ? await chargesOfAppointment(ctx, base.appointmentId) : [];
    const facts = { ...base, markedNoShow: base.encounterId !== '' && ofAppointment.some(saysNoShow) };
    const earlier = facts.encounterId ? [...await chargesOfVisit(ctx, facts.encounterId), ...ofAppointment] : ofAppointment;
    const catalogue = await currentCatalogue(db, config);
    const billableThatDay = await codesBilledOn(db, facts, earlier.map((c) => c.id!));
    const decisions = decideVisitCharges(facts, catalogue, { jurisdiction: config.billing.jurisdiction, chosenCode, billableThatDay });
    const now = new Date();
    const written: ChargeView[] = [];
    for (const decision of decisions) {
      const id = chargeItemIdOf(chargeIdentifierOf(facts, decision.entry.code));
      let { billable, reasons } = decision;
      if (billable) {
        const key = { patientId: facts.patientId, practitionerId: facts.practitionerId, code: decision.entry.code,
          modifiers: decision.modifiers.map((m) => m.code), serviceDate: facts.serviceDate };
        if (!(await claimChargeKey(db, key, id))) {
          billable = false;
          reasons = [...reasons, fails('duplicate', 'duplicate',
            `${decision.entry.code} was already billed for this patient and doctor on ${facts.serviceDate} with the same modifiers.`)];
        }
      } else {
        await releaseChargeKey(db, id);
      }
      const resource = visitChargeItem(facts, {
        ...decision, billable, reasons, minutesSource: facts.minutesSource, catalogueVersion: catalogue.version, inputs: facts,
      }, now);
      const stored = (await loadRow(db, 'ChargeItem', id, tx))
        ? await repository.update(ctx, 'ChargeItem', id, { ...resource, id })
        : await repository.create(ctx, 'ChargeItem', resource, id);
      written.push(chargeView(stored.resource as ChargeItem));
    }
    const decidedIds = new Set(written.map((c) => c.id));
    for (const stale of earlier.filter((c) => !decidedIds.has(c.id!) && c.status !== 'entered-in-error')) {
      await releaseChargeKey(db, stale.id!);
      const stored = await repository.update(ctx, 'ChargeItem', stale.id!, { ...stale, status: 'entered-in-error', meta: undefined });
      written.push(chargeView(stored.resource as ChargeItem));
    }
    return written;
  });
}

/** The hospital's billing as a caller: an admin that is no one's account, allowed only ChargeItems (audited under `userId`). */
export const billingCaller = (userId: string, origin: Pick<Caller, 'ip' | 'requestId'>): Caller => ({
  userId, role: 'admin', patientId: null, practitionerId: null, organizationId: null,
  scopes: ['user/ChargeItem.write', 'user/ChargeItem.read'], ip: origin.ip, requestId: origin.requestId,
});

/** The billing rules write the charges of a cancellation or a no-show on behalf of whoever made it. */
const billingRulesFor = (caller: Caller): Caller => billingCaller('billing-rules', caller);

/** How a cancellation or a no-show bills (server/billing/): the node's config. */
export interface ClosingBilling { config: Config }

/**
 * A cancelled or no-show appointment gets its not-billable charges at that moment, in the caller's transaction
 * (docs/billing.md "When charges are written"): its visit's, or, when it never became a visit, the appointment's
 * own. Online follow-ups only. Called by the cancellation and no-show use cases once the appointment (and an open visit) has moved.
 */
export async function chargeClosedAppointment(db: Database, billing: ClosingBilling | undefined, caller: Caller, appointmentId: string): Promise<void> {
  if (!billing) return;
  // Billing charges online care; an in-person appointment is billed at the desk, not by these rules.
  const appointment = await db.models.Appointment.findByPk(appointmentId, { attributes: ['visitType'] });
  if (!appointment || appointment.visitType === 'in-person') return;
  const visit = await db.models.Encounter.findOne({ where: { appointmentId }, attributes: ['id'] });
  await chargeService({ db, config: billing.config }, billingRulesFor(caller), visit ? { encounterId: visit.id } : { appointmentId });
}

/**
 * Called before the transaction that charges a visit: the first R4 validation in a process loads the definitions
 * (seconds on a busy machine), which must not happen while the transaction holds SQLite's writer.
 */
export const prepareCharging = (): Promise<void> => warmUpValidation();

/** An admin re-runs the rules for a visit (a new catalogue or rule version, a corrected note): new versions, old kept. */
export async function recomputeVisitCharges(node: BillingNode, caller: Caller, encounterId: string): Promise<ChargeView[]> {
  if (caller.role !== 'admin') throw new Forbidden('wrong-role', 'Only an admin re-runs the billing rules for a visit.');
  const visit = await node.db.models.Encounter.findByPk(encounterId);
  if (!visit) throw new NotFound('visit-not-found', `No visit with id ${encounterId}.`);
  if (!isClosedVisit(visit.status)) throw new Conflict('visit-not-closed', `The visit is ${visit.status}; its charges are decided when it is finished or cancelled.`);
  await prepareCharging();
  const charges = await chargeVisit(node, caller, encounterId);
  await recordAudit(node.db, caller, { action: 'E', activity: 'billing-recomputed', resourceType: 'Encounter', resourceId: encounterId, detail: `${charges.length} charges` });
  return charges;
}

/** A visit's charges for its doctor or an admin, current versions. */
export async function listVisitCharges(node: BillingNode, caller: Caller, encounterId: string): Promise<ChargeView[]> {
  if (caller.role !== 'admin' && caller.role !== 'doctor') throw new Forbidden('wrong-role', 'A visit\'s charges are read by its doctor and admins.');
  const visit = await node.db.models.Encounter.findByPk(encounterId);
  if (!visit || (caller.role !== 'admin' && visit.practitionerId !== caller.practitionerId)) {
    throw new NotFound('visit-not-found', `No visit with id ${encounterId}.`);
  }
  const charges = await chargesOfVisit(fhirContext(node, caller), encounterId);
  await recordAudit(node.db, caller, { action: 'R', activity: 'visit-charges-read', resourceType: 'ChargeItem', patientId: visit.patientId, detail: `Encounter/${encounterId}` });
  return charges.map(chargeView);
}
