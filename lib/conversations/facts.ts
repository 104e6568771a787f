import { z } from "zod";

/**
 * What the inbound flow notes on a client's message (`messages.data`) for the reply job that answers its burst:
 * written by lib/conversations/inbound.ts, read by lib/assistant/respond.ts.
 */
export const InboundFacts = z.object({
  /** The message reacted to or quoted (WhatsApp's id). */
  ref: z.string().optional(),
  /** The reminder logic answered this message already (a confirmation got its thanks): not the assistant's. */
  reminder_handled: z.boolean().optional(),
  /** Which visit the reminder this message answers was about, in Russian, for the model. */
  reminder: z.string().optional(),
  /** A thanks or goodbye got this reaction instead of words (lib/conversations/thanks.ts): nothing to answer. */
  reacted: z.string().optional(),
  /** A bare rating answering a review request was kept and answered (lib/campaigns/review-reply.ts). */
  rating_handled: z.boolean().optional(),
  /** A review request awaits its rating, in Russian, for the model. */
  review_request: z.string().optional(),
  /** The client said stop and got the confirmation (lib/outreach/client-requests.ts): nothing to answer. */
  opted_out: z.boolean().optional(),
  /** The client asked to delete their data: the turn hands the chat to the administrator with this request. */
  data_removal: z.boolean().optional(),
});
export type InboundFacts = z.infer<typeof InboundFacts>;

/** The facts of a stored message; a row written before a fact existed (or by another writer) reads as none. */
export function inboundFacts(data: unknown): InboundFacts {
  const parsed = InboundFacts.safeParse(data ?? {});
  return parsed.success ? parsed.data : {};
}
