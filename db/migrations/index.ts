import type { QueryInterface } from 'sequelize';
import { foundation } from './0001-foundation.js';
import { scheduling } from './0002-scheduling.js';
import { resourceVersions } from './0003-resource-versions.js';
import { observations } from './0004-observations.js';
import { fhirSearchIndexes } from './0010-fhir-search-indexes.js';
import { notificationOutbox } from './0020-notification-outbox.js';
import { consultations } from './0040-consultations.js';
import { prescriptions } from './0050-prescriptions.js';
import { videoSessions } from './0030-video-sessions.js';
import { exchangePartnerPatient } from './0060-exchange-partner-patient.js';
import { partnerDispensing } from './0080-partner-dispensing.js';
import { loginFailures } from './0100-login-failures.js';
import { importedSourceIds } from './0110-imported-source-ids.js';
import { diagnosticReports } from './0090-diagnostic-reports.js';
import { refreshTokenScope } from './0120-refresh-token-scope.js';
import { fhirRepository } from './0150-fhir-repository.js';
import { notificationInbox } from './0170-notification-inbox.js';
import { fhirSearchComposites } from './0190-fhir-search-composites.js';
import { billingCharges } from './0200-billing-charges.js';
import { payers } from './0210-payers.js';
import { domainActRecords } from './0220-domain-act-records.js';
import { bookingLocks } from './0240-booking-locks.js';
import { datedOpenings } from './0290-dated-openings.js';
import { alertMinutes } from './0300-alert-minutes.js';
import { alertFindings } from './0310-alert-findings.js';
import { domainRecords } from './0320-domain-records.js';
import { coveringLookups } from './0330-covering-lookups.js';
import { compartmentRowsByPatient } from './0340-compartment-rows-by-patient.js';

export interface Migration {
  name: string;
  up(params: { context: QueryInterface }): Promise<void>;
  down(params: { context: QueryInterface }): Promise<void>;
}

/** Every schema change, in order. Add new ones at the end; never edit one that has shipped. */
export const migrations: Migration[] = [
  foundation, scheduling, resourceVersions, observations, fhirSearchIndexes, notificationOutbox, videoSessions,
  consultations, prescriptions, exchangePartnerPatient, partnerDispensing, diagnosticReports, loginFailures,
  importedSourceIds,
  refreshTokenScope,
  fhirRepository,
  notificationInbox,
  fhirSearchComposites,
  billingCharges,
  payers,
  domainActRecords,
  bookingLocks,
  datedOpenings,
  alertMinutes,
  alertFindings,
  domainRecords,
  coveringLookups,
  compartmentRowsByPatient,
];
