import { fails, qualifies, type VisitRule } from './rule-result.js';

/** A visit that did not take place is not billed: cancelled, or the patient did not show (CMS: no service, no claim). */
export const visitStatus: VisitRule = (facts) => {
  if (facts.visitStatus === 'cancelled' || facts.appointmentStatus === 'cancelled') {
    return fails('visit-status', 'cancelled', 'The visit was cancelled, so no service was given.');
  }
  if (facts.appointmentStatus === 'noshow') return fails('visit-status', 'no-show', 'The patient did not show up for the visit.');
  return qualifies('visit-status', 'The visit took place and was finished.');
};
