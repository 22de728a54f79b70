import type { Transaction } from 'sequelize';
import { writeAvailability } from '../../server/appointments/set-availability.js';
import type { Database } from '../connection.js';

/**
 * Dr Chen's demo availability (two weeks ahead): weekday mornings for video follow-ups and in-person visits,
 * afternoons in person only, 20-minute slots with a 10-minute buffer, in Asia/Shanghai.
 */
export async function seedDemoSchedule(db: Database, practitionerId: string, tx: Transaction, now = new Date()) {
  const weekdays = [1, 2, 3, 4, 5];
  return writeAvailability(db, practitionerId, {
    timeZone: 'Asia/Shanghai', slotMinutes: 20, bufferMinutes: 10, horizonDays: 14,
    rules: weekdays.flatMap((weekday) => [
      { weekday, start: '09:00', end: '12:00', visitTypes: ['video-follow-up' as const, 'in-person' as const] },
      { weekday, start: '14:00', end: '17:00', visitTypes: ['in-person' as const] },
    ]),
    exceptions: [],
  }, tx, now);
}
