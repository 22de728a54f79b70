import type { Database } from '../../db/connection.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import type { Config } from '../config.js';
import { Forbidden, NotFound } from '../http/errors.js';
import { currentCatalogue } from './catalogue.js';
import { emFamilyOf } from './decide-visit-charges.js';
import type { VisitLevel } from './level-contract.js';
import { levelOf } from './rules/time-band.js';
import { billedMinutes, visitFacts } from './visit-facts.js';

/**
 * The level a visit's minutes reach, from the same facts, catalogue and time bands that finishing bills with, so
 * the doctor's choice at Finish is made on what the server will decide. For the visit's doctor (and admins);
 * reading the visit's minutes is audited like reading its charges.
 */
export async function readVisitLevel(node: { db: Database; config: Config }, caller: Caller, encounterId: string): Promise<VisitLevel> {
  const { db, config } = node;
  if (caller.role !== 'admin' && caller.role !== 'doctor') throw new Forbidden('wrong-role', 'A visit\'s billing level is read by its doctor and admins.');
  const visit = await db.models.Encounter.findByPk(encounterId, { attributes: ['id', 'patientId', 'practitionerId'] });
  if (!visit || (caller.role !== 'admin' && visit.practitionerId !== caller.practitionerId)) {
    throw new NotFound('visit-not-found', `No visit with id ${encounterId}.`);
  }
  const facts = await visitFacts(db, config, { encounterId });
  const minutes = billedMinutes(facts);
  const jurisdiction = config.billing.jurisdiction;
  const family = jurisdiction === 'CN' ? [] : emFamilyOf(facts, await currentCatalogue(db, config), jurisdiction);
  const levels = family.map((e) => ({ code: e.code, display: e.description, minMinutes: e.minMinutes ?? 0, maxMinutes: e.maxMinutes }))
    .sort((a, b) => a.minMinutes - b.minMinutes);
  await recordAudit(db, caller, { action: 'R', activity: 'visit-level-read', resourceType: 'Encounter', resourceId: encounterId, patientId: visit.patientId });
  return {
    jurisdiction, contactMode: facts.contactMode, minutesSource: facts.minutesSource, minutes,
    connectedMinutes: facts.connectedMinutes, documentedMinutes: facts.documentedMinutes, establishedPatient: facts.establishedPatient,
    reached: family.length ? levelOf(family, minutes).code : null, levels,
  };
}
