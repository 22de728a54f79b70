import { Op } from 'sequelize';
import { holdSlot } from '../../server/appointments/slot-hold.js';
import { ROOM_OPENS_MINUTES_BEFORE } from '../../server/video/video-room-window.js';
import type { Database } from '../connection.js';
import { seedBookedVideoVisit } from './seed-records.js';

const MINUTE = 60_000;
/** How far ahead the demo visit starts: its room opens ROOM_OPENS_MINUTES_BEFORE earlier, so it is open at once. */
const STARTS_IN_MINUTES = 10;
const LASTS_MINUTES = 20;

/**
 * Every start of a demo node gives Alice a video follow-up with Dr Chen whose room is open, so the README's video
 * walkthrough works at once: unless she already has one that is still to come and opens within the next
 * ROOM_OPENS_MINUTES_BEFORE minutes, one is added starting in STARTS_IN_MINUTES. Its slot is written for the
 * occasion (the schedule's mornings may be hours away); any free slot of Dr Chen's it overlaps is taken, so no one
 * else can book him then. Returns the appointment's start, or null when this is not the demo hospital.
 */
export async function ensureDemoVideoVisit(db: Database, now = new Date()): Promise<{ appointmentId: string; start: Date; added: boolean } | null> {
  const { User, Schedule, Slot, Appointment } = db.models;
  const [alice, chen] = await Promise.all([
    User.findOne({ where: { email: 'alice@demo.test', role: 'patient' } }),
    User.findOne({ where: { email: 'dr.chen@demo.test', role: 'doctor' } }),
  ]);
  if (!alice?.patientId || !chen?.practitionerId) return null;
  const soon = await Appointment.findOne({
    where: {
      patientId: alice.patientId, practitionerId: chen.practitionerId, visitType: 'video-follow-up', status: { [Op.in]: ['booked', 'arrived'] },
      end: { [Op.gt]: now }, start: { [Op.lte]: new Date(now.getTime() + 2 * ROOM_OPENS_MINUTES_BEFORE * MINUTE) },
    },
    order: [['start', 'ASC']],
  });
  if (soon) return { appointmentId: soon.id, start: soon.start, added: false };

  const schedule = await Schedule.findOne({ where: { practitionerId: chen.practitionerId }, rejectOnEmpty: true });
  const appointment = await db.transaction(async (tx) => {
    // A whole minute no slot of the schedule starts at (one slot per schedule and start): a minute or two later
    // than asked when a schedule slot starts at that very minute.
    let start = new Date(Math.ceil((now.getTime() + STARTS_IN_MINUTES * MINUTE) / MINUTE) * MINUTE);
    while (await Slot.findOne({ where: { scheduleId: schedule.id, start }, transaction: tx })) start = new Date(start.getTime() + MINUTE);
    const end = new Date(start.getTime() + LASTS_MINUTES * MINUTE);
    const overlapping = await Slot.findAll({
      where: { practitionerId: chen.practitionerId!, status: 'free', start: { [Op.lt]: end }, end: { [Op.gt]: start } }, transaction: tx,
    });
    for (const slot of overlapping) await holdSlot(db, slot, tx, now);
    return seedBookedVideoVisit(db, tx, { scheduleId: schedule.id, practitionerId: chen.practitionerId!, patientId: alice.patientId!, start, end });
  });
  return { appointmentId: appointment.id, start: appointment.start, added: true };
}
