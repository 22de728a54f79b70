import { Router, type Request } from 'express';
import { z } from 'zod';
import { VISIT_TYPES } from '../../db/models/scheduling.js';
import { visitIdsOf } from '../consultations/visit-lifecycle.js';
import { authenticate, requireRole } from '../http/authenticate.js';
import { methodNotAllowed } from '../http/error-handler.js';
import { callerOf } from '../http/request-context.js';
import { idInput, parseInput } from '../http/validate.js';
import type { HospitalNode } from '../hospital-node.js';
import { bookAppointment, appointmentSettings } from './book-appointment.js';
import { cancelAppointment, cancellationInput } from './cancel-appointment.js';
import { listAppointments } from './list-appointments.js';
import { markArrived, markNoShow } from './mark-attendance.js';
import { readAppointment } from './read-appointment.js';
import { rescheduleAppointment } from './reschedule-appointment.js';
import { searchFreeSlots } from './search-slots.js';
import { previewAvailability } from './preview-availability.js';
import { readAvailability, setAvailability } from './set-availability.js';
import { isTimeZone } from './time-zone.js';
import { appointmentView, slotView, viewerTimeZone } from './views.js';

const hhmm = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'HH:MM, 00:00–24:00');
const visitType = z.enum(VISIT_TYPES as ['video-follow-up', 'in-person']);
const availability = z.object({
  timeZone: z.string().max(64).refine(isTimeZone, 'not an IANA time zone'),
  slotMinutes: z.number().int().min(5).max(240),
  bufferMinutes: z.number().int().min(0).max(120).default(0),
  horizonDays: z.number().int().min(1).max(90).default(14),
  rules: z.array(z.object({ weekday: z.number().int().min(1).max(7), start: hhmm, end: hhmm, visitTypes: z.array(visitType).min(1) })).max(100),
  exceptions: z.array(z.object({ date: z.iso.date(), reason: z.string().max(200).nullish() })).max(400).default([]),
  extraHours: z.array(z.object({ date: z.iso.date(), start: hhmm, end: hhmm, visitTypes: z.array(visitType).min(1) })).max(400).default([]),
});
const instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
const slotQuery = z.object({
  practitioner: idInput.optional(), specialty: z.string().max(100).optional(), visitType: visitType.optional(),
  from: instant.optional(), to: instant.optional(), tz: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
const statuses = z.enum(['proposed', 'booked', 'arrived', 'fulfilled', 'cancelled', 'noshow', 'entered-in-error']);
const appointmentQuery = z.object({
  status: z.string().transform((s) => s.split(',')).pipe(z.array(statuses)).optional(),
  from: instant.optional(), to: instant.optional(), patient: z.string().max(64).optional(), tz: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
const booking = z.object({ slotId: idInput, visitType, patientId: idInput.optional(), conditionCode: z.string().max(16).optional() });
const reschedule = z.object({ slotId: idInput });

/** /api for the web client: availability, free-slot search, booking and the appointment's life after it. */
export function appointmentRoutes(node: HospitalNode): Router {
  const router = Router();
  const signedIn = authenticate(node.tokens);
  const { db, config } = node;
  const settings = appointmentSettings(config);
  const tzOf = (req: Request) => viewerTimeZone(db, callerOf(req), typeof req.query.tz === 'string' ? req.query.tz : undefined);
  const respond = async (req: Request, appointment: Parameters<typeof appointmentView>[0]) =>
    appointmentView(appointment, await tzOf(req), config.publicBaseUrl);

  router.route('/api/practitioners/:practitionerId/availability')
    .get(signedIn, async (req, res) => {
      res.json(await readAvailability(db, req.params.practitionerId as string) ?? { practitionerId: req.params.practitionerId, rules: [], exceptions: [] });
    })
    .put(signedIn, requireRole('doctor', 'admin'), async (req, res) => {
      res.json(await setAvailability(db, callerOf(req), req.params.practitionerId as string, parseInput(availability, req.body)));
    })
    .all(methodNotAllowed);

  // What the availability in the body would offer, and the booked visits it would leave outside its hours; nothing is saved.
  router.route('/api/practitioners/:practitionerId/availability/preview').post(signedIn, requireRole('doctor', 'admin'), async (req, res) => {
    res.json(await previewAvailability(db, callerOf(req), req.params.practitionerId as string, parseInput(availability, req.body)));
  }).all(methodNotAllowed);

  router.route('/api/slots').get(signedIn, async (req, res) => {
    const q = parseInput(slotQuery, req.query, 'query');
    const found = await searchFreeSlots(db, { ...q, practitionerId: q.practitioner });
    const zone = await tzOf(req);
    res.json({ timeZone: zone, slots: found.map(({ slot, practitioner }) => slotView(slot, zone, practitioner)) });
  }).all(methodNotAllowed);

  router.route('/api/appointments')
    .get(signedIn, async (req, res) => {
      const q = parseInput(appointmentQuery, req.query, 'query');
      const rows = await listAppointments(db, callerOf(req), { ...q, patientId: q.patient });
      const zone = await tzOf(req);
      // With each its visit, once opened: what the patient's page disputes, and where a doctor's page reads on.
      const visits = await visitIdsOf(db, rows.map((a) => a.id));
      res.json({ timeZone: zone, appointments: rows.map((a) => ({ ...appointmentView(a, zone, config.publicBaseUrl), visitId: visits.get(a.id) ?? null })) });
    })
    .post(signedIn, async (req, res) => {
      const booked = await bookAppointment(db, callerOf(req), parseInput(booking, req.body), settings);
      res.status(201).location(`/api/appointments/${booked.id}`).json(await respond(req, booked));
    })
    .all(methodNotAllowed);

  router.route('/api/appointments/:id').get(signedIn, async (req, res) => {
    res.json(await respond(req, await readAppointment(db, callerOf(req), req.params.id as string)));
  }).all(methodNotAllowed);

  router.route('/api/appointments/:id/cancel').post(signedIn, async (req, res) => {
    const { reason } = parseInput(cancellationInput, req.body);
    res.json(await respond(req, await cancelAppointment(db, callerOf(req), req.params.id as string, reason, { ...settings, billing: { config } })));
  }).all(methodNotAllowed);

  router.route('/api/appointments/:id/reschedule').post(signedIn, async (req, res) => {
    const { slotId } = parseInput(reschedule, req.body);
    res.json(await respond(req, await rescheduleAppointment(db, callerOf(req), req.params.id as string, slotId, settings)));
  }).all(methodNotAllowed);

  router.route('/api/appointments/:id/arrived').post(signedIn, async (req, res) => {
    res.json(await respond(req, await markArrived(db, callerOf(req), req.params.id as string)));
  }).all(methodNotAllowed);

  router.route('/api/appointments/:id/no-show').post(signedIn, async (req, res) => {
    res.json(await respond(req, await markNoShow(db, callerOf(req), req.params.id as string, new Date(), { config })));
  }).all(methodNotAllowed);

  return router;
}
