import type { AuditEvent as FhirAuditEvent, AuditEventEntity } from '@medplum/fhirtypes';
import type { InferAttributes } from 'sequelize';
import type { AuditEvent } from '../db/models/audit-event.js';
import { compact, instant } from './common.js';

export type AuditEventRow = InferAttributes<AuditEvent>;

export const AUDIT_EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
export const OUR_ACTIVITY = 'urn:internet-hospital:audit-activity';
export const OUR_USER = 'urn:internet-hospital:user';
export const OUR_ROLE = 'urn:internet-hospital:role';

/** Audit events are written once and never change, so each has exactly one version. */
export function toAuditEventResource(row: AuditEventRow): FhirAuditEvent {
  const entity: AuditEventEntity[] = [
    ...(row.resourceType && row.resourceId
      ? [{ what: { reference: `${row.resourceType}/${row.resourceId}` } }]
      : row.resourceType ? [{ what: { display: row.resourceType } }] : []),
    ...(row.patientId && !(row.resourceType === 'Patient' && row.resourceId === row.patientId)
      ? [{ what: { reference: `Patient/${row.patientId}` } }]
      : []),
  ];
  return compact({
    resourceType: 'AuditEvent' as const,
    id: String(row.id),
    meta: { versionId: '1', lastUpdated: instant(row.recordedAt) },
    type: { system: AUDIT_EVENT_TYPE, code: 'rest', display: 'RESTful Operation' },
    subtype: [{ system: OUR_ACTIVITY, code: row.activity }],
    action: row.action,
    recorded: instant(row.recordedAt),
    outcome: row.outcome,
    outcomeDesc: row.detail ?? undefined,
    agent: [compact({
      type: row.actorRole ? { coding: [{ system: OUR_ROLE, code: row.actorRole }] } : undefined,
      who: row.actorUserId ? { identifier: { system: OUR_USER, value: row.actorUserId } } : { display: 'anonymous' },
      requestor: true,
      network: row.sourceIp ? { address: row.sourceIp, type: '2' as const } : undefined,
    })],
    source: { observer: { display: 'internet-hospital node' }, site: row.requestId ?? undefined },
    entity: entity.length ? entity : undefined,
  });
}
