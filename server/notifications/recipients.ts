import type { Database } from '../../db/connection.js';
import type { Language, PersonName } from './messages.js';

/**
 * The language of every notification until people can choose one: zh-CN. Neither patients nor staff have a
 * language on their record yet, and the product's first users are Chinese hospitals and their patients. When a
 * preferred language is stored, it is read here and nowhere else.
 */
export const DEFAULT_LANGUAGE: Language = 'zh-CN';

/** Staff without a schedule see times in the zone of the hospitals the product is built for. */
const STAFF_TIME_ZONE = 'Asia/Shanghai';

export interface Recipient {
  audience: 'patient' | 'practitioner';
  /** null: the person cannot be e-mailed (the event is skipped with that reason). */
  email: string | null;
  language: Language;
  timeZone: string;
}

/**
 * Who an outbox event goes to. A patient is written to at the contact address on their record (not the sign-in
 * name, which may be no mailbox); a doctor at their staff account's address, in their schedule's time zone.
 */
export async function findRecipient(db: Database, to: { patientId: string | null; practitionerId: string | null }): Promise<Recipient | null> {
  const { Patient, Practitioner, User, Schedule } = db.models;
  if (to.patientId) {
    const patient = await Patient.findByPk(to.patientId);
    if (!patient) return null;
    return {
      audience: 'patient', email: patient.email, language: DEFAULT_LANGUAGE, timeZone: patient.timeZone,
    };
  }
  if (to.practitionerId) {
    const [practitioner, account, schedule] = await Promise.all([
      Practitioner.findByPk(to.practitionerId), User.findOne({ where: { practitionerId: to.practitionerId, active: true } }),
      Schedule.findOne({ where: { practitionerId: to.practitionerId } }),
    ]);
    if (!practitioner) return null;
    return {
      audience: 'practitioner', email: account?.email ?? null, language: DEFAULT_LANGUAGE, timeZone: schedule?.timeZone ?? STAFF_TIME_ZONE,
    };
  }
  return null;
}

/** The name the other side of a visit is shown by: the doctor in the patient's e-mail, the patient in the doctor's. */
export async function counterpartName(db: Database, appointmentId: string, audience: Recipient['audience']): Promise<PersonName | undefined> {
  const appointment = await db.models.Appointment.findByPk(appointmentId);
  if (!appointment) return undefined;
  const person = audience === 'patient'
    ? await db.models.Practitioner.findByPk(appointment.practitionerId) : await db.models.Patient.findByPk(appointment.patientId);
  return person ? { family: person.familyName, given: person.givenName } : undefined;
}
