/**
 * An error the service API answers as JSON `{error:{code,message}}` with this status. The codes are what
 * lib/gateway/client.ts's GatewayError exposes to the functions:
 * - session_restoring (503, Retry-After): paired and coming back (this gateway restarted, or is reconnecting); retry.
 * - session_down (503): not connected and not on its way back by itself (no pairing, QR expired); retry later.
 * - session_logged_out (410): WhatsApp logged the salon's device out; nothing will be sent until it pairs again.
 * - not_on_whatsapp (422), restricted_463 (422, WhatsApp refused: never retry), bad_request (400).
 * - outcome_unknown (409): a send with this key was cut off by a restart while it may have been leaving; never repeated.
 * - session_elsewhere (409): another gateway process holds the session.
 * - already_connected (409), unauthorized (401), not_found (404), rate_limited (429).
 */
export class GatewayApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = "GatewayApiError";
  }
}

export const sessionDown = (salonId: number) =>
  new GatewayApiError(503, "session_down", `salon ${salonId}: WhatsApp is not connected`);

export const sessionRestoring = (salonId: number) =>
  new GatewayApiError(503, "session_restoring", `salon ${salonId}: WhatsApp is reconnecting; retry shortly`);

export const sessionLoggedOut = (salonId: number) =>
  new GatewayApiError(410, "session_logged_out", `salon ${salonId}: WhatsApp logged this device out; the salon must link it again`);
