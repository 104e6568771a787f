import { signServiceToken } from "./service-token.js";

export type SessionState = "none" | "connecting" | "qr" | "pairing" | "connected" | "logged_out" | "forbidden" | "stopped";

export interface SessionStatus {
  salonId: number;
  state: SessionState;
  phone: string | null;
}

/**
 * A refused call to the gateway, with its error code (whatsapp-gateway/errors.ts answers them):
 * "session_restoring" (503: paired and coming back, e.g. the gateway restarted; wait for it), "session_down" (503,
 * retry later), "session_logged_out" (410: WhatsApp logged the device out; a failure, not worth retrying),
 * "not_on_whatsapp" (422), "restricted_463" (422: WhatsApp refused, never retry), "bad_request" (400),
 * "session_elsewhere" (409: another gateway process holds the session), "already_connected" (409),
 * "unauthorized" (401); "unreachable" (status 0) when the gateway did not answer.
 *
 * A send is answered `{messageId}` once the gateway has durably accepted it, before it leaves; what became of it
 * arrives later as a `message.status` job (lib/gateway/events.ts).
 */
export class GatewayError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = "GatewayError";
  }
  /** Worth retrying later: the gateway or the session is down, restarting or elsewhere, not the message that is wrong. */
  get retryable(): boolean {
    return this.status === 0 || this.status >= 500 || ["session_down", "session_restoring", "session_elsewhere"].includes(this.code);
  }
}

export interface GatewayClient {
  status(salonId: number): Promise<SessionStatus>;
  start(salonId: number): Promise<SessionStatus>;
  logout(salonId: number): Promise<void>;
  sendText(salonId: number, msg: { to: string; text: string; idempotencyKey: string }): Promise<{ messageId: string }>;
  presence(salonId: number, msg: { to: string; state: "composing" | "paused" }): Promise<void>;
  health(): Promise<{ ok: boolean; detail: unknown }>;
}

export function createGatewayClient(opts: {
  baseUrl: string;
  secret: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}): GatewayClient {
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 15_000;

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await doFetch(opts.baseUrl + path, {
        method,
        headers: {
          authorization: `Bearer ${await signServiceToken(opts.secret)}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new GatewayError(0, "unreachable", `gateway unreachable: ${(err as Error).message}`);
    }
    const text = await res.text();
    const json = text ? (JSON.parse(text) as unknown) : null;
    if (!res.ok) {
      const e = (json as { error?: { code?: string; message?: string } } | null)?.error;
      throw new GatewayError(res.status, e?.code ?? "http_error", e?.message ?? `gateway answered ${res.status}`);
    }
    return json as T;
  }

  return {
    status: (salonId) => call("GET", `/v1/sessions/${salonId}`),
    start: (salonId) => call("POST", `/v1/sessions/${salonId}/start`, {}),
    logout: async (salonId) => {
      await call("DELETE", `/v1/sessions/${salonId}`);
    },
    sendText: (salonId, msg) => call("POST", `/v1/sessions/${salonId}/messages`, msg),
    presence: async (salonId, msg) => {
      await call("POST", `/v1/sessions/${salonId}/presence`, msg);
    },
    health: async () => {
      try {
        const res = await doFetch(opts.baseUrl + "/health", { signal: AbortSignal.timeout(3000) });
        return { ok: res.ok, detail: await res.json().catch(() => null) };
      } catch (err) {
        return { ok: false, detail: (err as Error).message };
      }
    },
  };
}
