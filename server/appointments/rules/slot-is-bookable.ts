import type { Slot, VisitType } from '../../../db/models/scheduling.js';
import { Conflict, NotFound, Unprocessable } from '../../http/errors.js';

/**
 * Rule: the slot exists, lies in the future, is free and offers the visit type. This is the early, friendly
 * answer; the authoritative "is it still free" is the conditional update in slot-hold.ts.
 */
export function assertSlotBookable(slot: Slot | null, slotId: string, visitType: VisitType, now: Date): asserts slot is Slot {
  if (!slot) throw new NotFound('slot-not-found', `No slot with id ${slotId}.`);
  if (slot.start <= now) {
    throw new Unprocessable('slot-in-past', `This slot started at ${slot.start.toISOString()}; pick a slot in the future.`, [], { slotStart: slot.start.toISOString() });
  }
  if (slot.status !== 'free') throw slotTaken(slotId);
  const offered = slot.visitTypes.split(',');
  if (!offered.includes(visitType)) {
    throw new Unprocessable('visit-type-not-offered', `This slot offers ${offered.join(' and ')}, not ${visitType}.`,
      [{ expression: 'body.visitType', message: `not offered in this slot (${offered.join(', ')})` }], { offered });
  }
}

export const slotTaken = (slotId: string) =>
  new Conflict('slot-taken', 'This slot has just been booked by someone else; pick another one.', [], { slotId });
