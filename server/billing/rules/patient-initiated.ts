import { fails, qualifies, type RuleResult } from './rule-result.js';

/** An e-visit answers the patient's own online inquiry (CMS e-visits: patient-initiated), not a message the doctor started. */
export function patientInitiated(code: string, firstSender: string | null): RuleResult {
  if (firstSender === 'patient') return qualifies('patient-initiated', 'The patient started the online conversation.');
  return fails('patient-initiated', 'not-patient-initiated', firstSender
    ? `${code} is for a conversation the patient starts; the ${firstSender} sent the first message.`
    : `${code} is for a conversation the patient starts; no message was sent in this one.`);
}
