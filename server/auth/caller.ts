import type { Role } from '../../db/models/access.js';

/** Where a request came from: enough to write an audit event even before anyone is authenticated. */
export interface Origin {
  ip: string | null;
  requestId: string;
}

/** The authenticated user behind a request, as the access token describes them. */
export interface Caller extends Origin {
  userId: string;
  role: Role;
  patientId: string | null;
  practitionerId: string | null;
  organizationId: string | null;
  /** SMART-style scopes, e.g. `patient/*.read`, `user/Observation.write`. */
  scopes: string[];
}
