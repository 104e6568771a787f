/**
 * An error the service API answers as JSON `{error:{code,message}}` with this status; the codes and what they mean
 * are the contract's (lib/contract/service-api.ts, GatewayErrorCode).
 */
export class GatewayApiError extends Error {
  /** `address`: session_elsewhere's holder, the internal base URL to call instead. */
  constructor(readonly status: number, readonly code: string, message: string, readonly address?: string) {
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

export const sessionElsewhere = (salonId: number, address: string) =>
  new GatewayApiError(409, "session_elsewhere", `salon ${salonId}: another gateway holds this session`, address);
