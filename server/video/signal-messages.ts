import { z } from 'zod';

/**
 * What a participant may send on the signalling socket. `signal.data` is whatever simple-peer emitted on
 * 'signal' (trickle on): an offer or answer, one ICE candidate, or a renegotiate/transceiverRequest.
 */
const peerSignal = z.looseObject({
  type: z.enum(['offer', 'answer', 'candidate', 'renegotiate', 'transceiverRequest']),
  sdp: z.string().optional(),
});

export const clientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('join'), token: z.string().min(1).max(4096) }),
  z.object({ type: z.literal('admit') }),
  /** `gen` names the peer connection the signal belongs to; the doctor's side starts a new one on each restart. */
  z.object({ type: z.literal('signal'), gen: z.number().int().nonnegative(), data: peerSignal }),
  z.object({ type: z.literal('restart') }),
  z.object({ type: z.literal('media'), state: z.enum(['connected', 'disconnected']) }),
  z.object({ type: z.literal('end') }),
]);

export type ClientMessage = z.infer<typeof clientMessage>;

/** Parses one frame, or says in a sentence why it is not a message. */
export function parseClientMessage(text: string): { message: ClientMessage } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { problem: 'The message is not JSON.' };
  }
  const parsed = clientMessage.safeParse(json);
  if (parsed.success) return { message: parsed.data };
  const issue = parsed.error.issues[0];
  return { problem: `The message is malformed: ${issue.path.join('.') || 'message'}: ${issue.message}` };
}
