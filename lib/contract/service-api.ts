import { z } from "zod";

/**
 * The gateway's service API, called by the functions (lib/gateway/client.ts) and answered by the gateway
 * (whatsapp-gateway/http/service-routes.ts), every route behind the service bearer JWT (./service-token.ts):
 *   GET    /v1/sessions/:salonId            → SessionStatus
 *   POST   /v1/sessions/:salonId/start      → SessionStatus
 *   DELETE /v1/sessions/:salonId            → log out on WhatsApp, wipe the auth state → {ok:true}
 *   POST   /v1/sessions/:salonId/messages   SendRequest → {messageId}, once durably accepted (before it leaves;
 *                                           what became of it arrives as a `message.status` event, ./events.ts)
 *   POST   /v1/sessions/:salonId/reactions  ReactionRequest → {messageId}: an emoji on the client's message
 *                                           `messageId`, accepted durably and once per key like a send
 *   POST   /v1/sessions/:salonId/presence   PresenceRequest → {ok:true}
 *   GET    /v1/health                       → the gateway's details (the open /health says only up or not)
 * `to` is E.164 digits or a JID as received (reply to a LID as is). A refusal is `{error:{code,message}}` with one
 * of GatewayErrorCode.
 */

export type SessionState = "none" | "connecting" | "qr" | "pairing" | "connected" | "logged_out" | "forbidden" | "stopped";

export interface SessionStatus {
  salonId: number;
  state: SessionState;
  phone: string | null;
}

export const SendRequest = z.object({
  to: z.string().min(1).max(64),
  text: z.string().min(1).max(4096),
  idempotencyKey: z.string().regex(/^[A-Za-z0-9:._-]{1,200}$/, "letters, digits and :._- only"),
});
export type SendRequest = z.infer<typeof SendRequest>;

export const ReactionRequest = z.object({
  to: z.string().min(1).max(64),
  /** The id of the client's message the reaction goes on. */
  messageId: z.string().min(1).max(128),
  /** One emoji; "" takes an earlier reaction back. */
  emoji: z.string().max(16),
  idempotencyKey: SendRequest.shape.idempotencyKey,
});
export type ReactionRequest = z.infer<typeof ReactionRequest>;

export const PresenceRequest = z.object({
  to: z.string().min(1).max(64),
  state: z.enum(["composing", "paused"]),
});
export type PresenceRequest = z.infer<typeof PresenceRequest>;

/**
 * - session_restoring (503, Retry-After): paired and coming back (the gateway restarted, or is reconnecting); retry.
 * - session_down (503; 409 for a pairing request that cannot proceed): not connected and not on its way back by
 *   itself (no pairing, QR expired); retry later.
 * - session_logged_out (410): WhatsApp logged the salon's device out; a failure until it pairs again.
 * - not_on_whatsapp (422), restricted_463 (422, WhatsApp refused: never retry), bad_request (400, 413, 415).
 * - outcome_unknown (409): a send with this key was cut off by a restart while it may have been leaving; never repeated.
 * - session_elsewhere (409): another gateway process holds the session; the body's `error.address` is that gateway's
 *   internal base URL (a fleet: the caller sends the call there once, lib/gateway/client.ts).
 * - already_connected (409), unauthorized (401), not_found (404), rate_limited (429), stopping (503).
 * The caller adds "unreachable" (no answer) and "http_error" (an answer without a code).
 */
export type GatewayErrorCode =
  | "session_restoring"
  | "session_down"
  | "session_logged_out"
  | "not_on_whatsapp"
  | "restricted_463"
  | "bad_request"
  | "outcome_unknown"
  | "session_elsewhere"
  | "already_connected"
  | "unauthorized"
  | "not_found"
  | "rate_limited"
  | "stopping";

/** Codes that say the gateway or the session is down, restarting or elsewhere, not that the message is wrong. */
export const RETRYABLE_GATEWAY_CODES: readonly string[] = ["session_down", "session_restoring", "session_elsewhere"];
