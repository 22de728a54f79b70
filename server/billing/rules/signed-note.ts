import { fails, qualifies, type VisitRule } from './rule-result.js';

/** A service is billed on its documentation (CMS: the medical record must support the claim): a signed note. */
export const signedNote: VisitRule = (facts) => (facts.note && facts.note.status !== 'preliminary'
  ? qualifies('signed-note', 'The doctor signed the visit note.')
  : fails('signed-note', 'no-signed-note', facts.note ? 'The visit note was never signed.' : 'The visit has no note.'));
