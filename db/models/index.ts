import type { Sequelize } from 'sequelize';
import { defineAccess } from './access.js';
import { defineAuditEvent } from './audit-event.js';
import { defineBilling } from './billing.js';
import { defineClinical } from './clinical.js';
import { defineNotificationOutbox } from './notification-outbox.js';
import { defineConsultations } from './consultations.js';
import { defineDiagnosticReport } from './diagnostic-report.js';
import { defineDispensing } from './dispensation.js';
import { defineFhirRepository } from './fhir-repository.js';
import { defineObservation } from './observation.js';
import { definePeople } from './people.js';
import { definePrescriptions } from './prescription.js';
import { defineResourceVersion } from './resource-version.js';
import { defineScheduling } from './scheduling.js';
import { defineVideoSession } from './video-session.js';

export function defineModels(sequelize: Sequelize) {
  return {
    ...definePeople(sequelize),
    ...defineClinical(sequelize),
    ...defineAccess(sequelize),
    ...defineAuditEvent(sequelize),
    ...defineScheduling(sequelize),
    ...defineResourceVersion(sequelize),
    ...defineObservation(sequelize),
    ...defineDiagnosticReport(sequelize),
    ...defineNotificationOutbox(sequelize),
    ...defineConsultations(sequelize),
    ...definePrescriptions(sequelize),
    ...defineVideoSession(sequelize),
    ...defineDispensing(sequelize),
    ...defineFhirRepository(sequelize),
    ...defineBilling(sequelize),
  };
}

export type Models = ReturnType<typeof defineModels>;
