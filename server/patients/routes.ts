import { Router } from 'express';
import { z } from 'zod';
import { authenticate } from '../http/authenticate.js';
import { methodNotAllowed } from '../http/error-handler.js';
import { callerOf, originOf } from '../http/request-context.js';
import { parseInput } from '../http/validate.js';
import type { HospitalNode } from '../hospital-node.js';
import { readPatientSummary } from './read-patient.js';
import { registerPatient } from './register-patient.js';

const timeZone = z.string().max(64).refine((zone) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'not an IANA time zone');

const registration = z.object({
  email: z.email().max(254),
  password: z.string().min(10, 'use at least 10 characters').max(1024),
  givenName: z.string().trim().min(1).max(100),
  familyName: z.string().trim().min(1).max(100),
  birthDate: z.iso.date().optional(),
  gender: z.enum(['male', 'female', 'other', 'unknown']).optional(),
  phone: z.string().max(32).optional(),
  timeZone: timeZone.optional(),
});

export function patientRoutes(node: HospitalNode): Router {
  const router = Router();
  const signedIn = authenticate(node.tokens);

  // Registration is the one open door: it creates the account that every other route needs.
  router.route('/api/patients').post(async (req, res) => {
    const created = await registerPatient(node.db, parseInput(registration, req.body), originOf(req));
    res.status(201).location(`/api/patients/${created.patientId}`).json(created);
  }).all(methodNotAllowed);

  router.route('/api/patients/:patientId').get(signedIn, async (req, res) => {
    res.json(await readPatientSummary(node.db, callerOf(req), req.params.patientId));
  }).all(methodNotAllowed);

  return router;
}
