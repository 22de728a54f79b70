import { fails, qualifies, type VisitRule } from './rule-result.js';

/** In a video visit the minutes a doctor documents cannot exceed the minutes both sides were connected. */
export const claimedMinutes: VisitRule = (facts) => {
  const { documentedMinutes, connectedMinutes } = facts;
  if (facts.minutesSource !== 'video-session' || documentedMinutes === null) {
    return qualifies('claimed-minutes', 'No documented minutes to compare with the connected time.');
  }
  return documentedMinutes <= connectedMinutes
    ? qualifies('claimed-minutes', `The ${documentedMinutes} min in the note are within the ${connectedMinutes} min connected.`)
    : fails('claimed-minutes', 'claimed-minutes-above-connected',
      `The note claims ${documentedMinutes} min but both sides were connected for only ${connectedMinutes} min.`);
};
