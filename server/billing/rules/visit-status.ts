import { fails, qualifies, type VisitRule } from './rule-result.js';

/**
 * A visit that did not take place is not billed: cancelled, or the patient did not show (CMS: no service, no claim).
 * A visit finished after its appointment was marked a no-show stays not billable for that reason, and insurers see
 * it among the risk flags ("billed after a no-show").
 */
export const visitStatus: VisitRule = (facts) => {
  if (facts.appointmentStatus === 'noshow') return fails('visit-status', 'no-show', 'The patient did not show up for the visit.');
  if (facts.markedNoShow) {
    return fails('visit-status', 'no-show', 'The appointment was marked a no-show before this visit was held; it is not billed and is flagged for review.');
  }
  if (facts.visitStatus === 'cancelled' || facts.appointmentStatus === 'cancelled') {
    return fails('visit-status', 'cancelled', 'The visit was cancelled, so no service was given.');
  }
  return qualifies('visit-status', 'The visit took place and was finished.');
};
