import type { Sequelize } from 'sequelize';
import { defineAccess } from './access.js';
import { defineAuditEvent } from './audit-event.js';
import { defineClinical } from './clinical.js';
import { defineObservation } from './observation.js';
import { definePeople } from './people.js';
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
    ...defineVideoSession(sequelize),
  };
}

export type Models = ReturnType<typeof defineModels>;
