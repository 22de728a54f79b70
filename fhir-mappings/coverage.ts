import type { Coverage as FhirCoverage } from '@medplum/fhirtypes';
import type { InferAttributes } from 'sequelize';
import type { Coverage } from '../db/models/people.js';
import { compact, IssueCollector, metaOf, oneOf, parseDate, reference, referencedId, requiredString } from './common.js';

export type CoverageRow = InferAttributes<Coverage>;
export type CoverageFields = Pick<CoverageRow, 'patientId' | 'payorId' | 'memberId' | 'status' | 'periodStart' | 'periodEnd'>;

const STATUSES = ['active', 'cancelled', 'draft', 'entered-in-error'] as const;

export function toCoverageResource(row: CoverageRow): FhirCoverage {
  const period = compact({ start: row.periodStart ?? undefined, end: row.periodEnd ?? undefined });
  return compact({
    resourceType: 'Coverage' as const,
    id: row.id,
    meta: metaOf(row),
    status: row.status,
    subscriberId: row.memberId,
    beneficiary: reference('Patient', row.patientId)!,
    period: Object.keys(period).length ? period : undefined,
    payor: [reference('Organization', row.payorId)!],
  });
}

export function fromCoverageResource(resource: FhirCoverage): CoverageFields {
  const issues = new IssueCollector();
  const status = oneOf(resource.status, STATUSES, 'Coverage.status', issues);
  const patientId = referencedId(resource.beneficiary, 'Patient', 'Coverage.beneficiary', issues);
  const payorId = referencedId(resource.payor?.[0], 'Organization', 'Coverage.payor[0]', issues);
  const memberId = requiredString(resource.subscriberId, 'Coverage.subscriberId', issues, 64);
  const periodStart = parseDate(resource.period?.start, 'Coverage.period.start', issues);
  const periodEnd = parseDate(resource.period?.end, 'Coverage.period.end', issues);
  issues.throwIfAny();
  return { status: status!, patientId: patientId!, payorId: payorId!, memberId, periodStart, periodEnd };
}
