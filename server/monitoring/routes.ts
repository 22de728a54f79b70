import { Router } from 'express';
import { z } from 'zod';
import { authenticate } from '../http/authenticate.js';
import { methodNotAllowed } from '../http/error-handler.js';
import { callerOf } from '../http/request-context.js';
import { parseInput } from '../http/validate.js';
import type { HospitalNode } from '../hospital-node.js';
import { acknowledgeAlert, listAlerts, listPatientAlerts } from './alerts.js';
import { readCarePlan, setCarePlan } from './care-plan.js';
import { readChronicCare } from './chronic-care.js';
import { searchReadings, submitReading } from './readings.js';

const ucum = z.string().min(1).max(32);
const reading = z.object({
  code: z.string().min(1).max(32),
  value: z.number().optional(),
  unit: ucum.optional(),
  components: z.array(z.object({ code: z.string().max(32), value: z.number(), unit: ucum })).max(10).optional(),
  effectiveAt: z.iso.datetime({ offset: true }),
  entryMethod: z.enum(['device', 'typed']),
  deviceName: z.string().max(100).optional(),
});
const readingQuery = z.object({
  code: z.string().max(32).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const mmHg = z.number().int().min(40).max(300);
const mgDl = z.number().min(20).max(600);
const carePlan = z.object({
  bloodPressure: z.object({
    stage2Systolic: mmHg, stage2Diastolic: mmHg, crisisSystolic: mmHg, crisisDiastolic: mmHg,
    averagingDays: z.number().int().min(1).max(30), minDays: z.number().int().min(1).max(30),
  }).partial().optional(),
  glucose: z.object({ lowMgDl: mgDl, veryLowMgDl: mgDl, veryHighMgDl: mgDl, highMgDl: mgDl.nullable() }).partial().optional(),
});
const alertQuery = z.object({ status: z.enum(['open', 'acknowledged']).optional() });
/** Minutes the doctor spent on the alert (interactive time of 99457/99458, docs/billing.md); a whole 0–60. */
const acknowledgement = z.object({ minutes: z.number().int().min(0).max(60).optional() });

/** Home monitoring: readings (Observation), the care plan's targets, and the alerts they raise. */
export function monitoringRoutes(node: HospitalNode): Router {
  const router = Router();
  const { db } = node;
  const signedIn = authenticate(node.tokens);

  router.route('/api/patients/:patientId/readings')
    .get(signedIn, async (req, res) => { res.json(await searchReadings(db, callerOf(req), req.params.patientId, parseInput(readingQuery, req.query, 'query'))); })
    .post(signedIn, async (req, res) => {
      const result = await submitReading(db, callerOf(req), req.params.patientId, parseInput(reading, req.body), node.config.monitoring.crisisEscalationMinutes);
      res.status(201).json(result);
    })
    .all(methodNotAllowed);
  router.route('/api/patients/:patientId/care-plan')
    .get(signedIn, async (req, res) => { res.json(await readCarePlan(db, callerOf(req), req.params.patientId)); })
    .put(signedIn, async (req, res) => { res.json(await setCarePlan(db, callerOf(req), req.params.patientId, parseInput(carePlan, req.body))); })
    .all(methodNotAllowed);
  router.route('/api/patients/:patientId/alerts').get(signedIn, async (req, res) => { res.json(await listPatientAlerts(db, callerOf(req), req.params.patientId)); }).all(methodNotAllowed);
  router.route('/api/patients/:patientId/chronic-care').get(signedIn, async (req, res) => { res.json(await readChronicCare(db, callerOf(req), req.params.patientId)); }).all(methodNotAllowed);
  router.route('/api/alerts').get(signedIn, async (req, res) => { res.json(await listAlerts(db, callerOf(req), parseInput(alertQuery, req.query, 'query').status)); }).all(methodNotAllowed);
  router.route('/api/alerts/:alertId/acknowledge').post(signedIn, async (req, res) => { res.json(await acknowledgeAlert(db, callerOf(req), req.params.alertId, parseInput(acknowledgement, req.body ?? {}).minutes)); }).all(methodNotAllowed);
  return router;
}
