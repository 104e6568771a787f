/**
 * An error the service API answers as JSON `{error:{code,message}}` with this status. The codes are what
 * lib/gateway/client.ts's GatewayError exposes to the functions:
 * - session_down (503): not connected here now; retry later.
 * - not_on_whatsapp (422), restricted_463 (422, WhatsApp refused: never retry), bad_request (400).
 * - in_progress (409): a send with this idempotency key is still being made.
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
