/**
 * The words of a disputed visit's evidence timeline (client/disputes/evidence-timeline.ts), by the kind of fact the
 * server sends (server/consultations/timeline-contract.ts `TimelineFact`). ./timeline-words-zh.ts is typed by it.
 * Values come in already worded (times, statuses, roles, numbers) by the page.
 */
export const TIMELINE_EN = {
  appointmentBooked: (start: string, end: string, visitType: string) => `Appointment booked for ${start}–${end} (${visitType})`,
  appointmentBecame: (status: string) => `Appointment became ${status}`,
  visitBecame: (status: string) => `Visit became ${status}`,
  visitStatus: {
    planned: 'planned', arrived: 'in the waiting room', 'in-progress': 'in progress', finished: 'finished', cancelled: 'cancelled',
    'entered-in-error': 'entered in error',
  } as Record<string, string>,
  message: (role: string, text: string) => `${role}: ${text}`,
  attachment: (role: string, fileName: string, size: string) => `The ${role} sent ${fileName} (${size} bytes)`,
  note: {
    preliminary: 'Note saved as a draft', final: 'Note signed', amended: 'Note amended',
  } as Record<string, string>,
  amendedBecause: (note: string, reason: string) => `${note}: ${reason}`,
  outcome: (outcome: string, reason: string) => `Visit ended: ${outcome} — ${reason}`,
  outcomeKind: { 'needs-in-person-care': 'needs in-person care' } as Record<string, string>,
  audit: (role: string, action: string, record: string) => `${role} ${action} ${record}`.trim(),
  auditRefused: (said: string) => `${said} (refused)`,
  system: 'the system',
  action: { C: 'created', R: 'read', U: 'changed', D: 'deleted', E: 'acted on' } as Record<string, string>,
  record: {
    Appointment: 'the appointment', Encounter: 'the visit', Communication: 'a message', Composition: 'the note', Task: 'the prescription',
    MedicationRequest: 'the prescription', MedicationDispense: 'the dispensing', Provenance: 'the signature', Patient: 'the patient record',
    DocumentReference: 'a document', Flag: 'an alert', Observation: 'a reading', ChargeItem: 'a charge', Claim: 'a claim', Basic: 'the dispute',
    Consent: 'a consent', Condition: 'a diagnosis', CarePlan: 'the care plan', DiagnosticReport: 'an exam result',
  } as Record<string, string>,
  side: { patient: 'patient', doctor: 'doctor' } as Record<string, string>,
  videoEvent: {
    join: (side: string) => `The ${side} joined the video room`,
    connect: (side: string) => `The ${side} connected`,
    reconnect: (side: string) => `The ${side} connected again`,
    disconnect: (side: string) => `The ${side} lost the connection`,
    leave: (side: string) => `The ${side} left the video room`,
  },
  connected: (minutes: string, seconds: string) => `Both sides were connected for ${minutes} min ${seconds} s`,
  drug: (drug: string, quantity: string) => `${drug} × ${quantity}`,
  drugSeparator: ', ',
  prescription: (number: string, drugs: string, happened: string) => `Prescription ${number} (${drugs}) ${happened}`,
  happened: {
    'pending-review': 'issued and signed; waiting for a pharmacist\'s review',
    rejected: 'rejected by the pharmacist',
    ready: 'ready to dispense',
    'in-progress': 'held by a pharmacy',
    completed: 'dispensed',
    cancelled: 'cancelled',
  } as Record<string, string>,
  rejectedBecause: (happened: string, reason: string) => `${happened} (${reason})`,
  heldBy: (pharmacy: string) => `held by the pharmacy ${pharmacy}`,
  dispensed: (quantity: string, drug: string, pharmacy: string) => `${quantity} × ${drug} handed over by ${pharmacy}`,
};

export type TimelineWords = typeof TIMELINE_EN;
