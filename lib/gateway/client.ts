import {
  RETRYABLE_GATEWAY_CODES,
  type PresenceRequest,
  type ReactionRequest,
  type SendRequest,
  type SessionStatus,
} from "../contract/service-api.js";
import { signServiceToken } from "../contract/service-token.js";
import type { SessionRouter } from "./route.js";

/**
 * A refused call to the gateway, with its error code (lib/contract/service-api.ts, GatewayErrorCode), or
 * "unreachable" (status 0) when the gateway did not answer.
 */
export class GatewayError extends Error {
  /** `address`: with session_elsewhere, the gateway that holds the session. */
  constructor(readonly status: number, readonly code: string, message: string, readonly address?: string) {
    super(message);
    this.name = "GatewayError";
  }
  /** Worth retrying later: the gateway or the session is down, restarting or elsewhere, not the message that is wrong. */
  get retryable(): boolean {
    return this.status === 0 || this.status >= 500 || RETRYABLE_GATEWAY_CODES.includes(this.code);
  }
}

export interface GatewayClient {
  status(salonId: number): Promise<SessionStatus>;
  start(salonId: number): Promise<SessionStatus>;
  logout(salonId: number): Promise<void>;
  sendText(salonId: number, msg: SendRequest): Promise<{ messageId: string }>;
  /** Puts an emoji on a client's message; one reaction per idempotency key, like sendText. */
  react(salonId: number, msg: ReactionRequest): Promise<{ messageId: string }>;
  presence(salonId: number, msg: PresenceRequest): Promise<void>;
  health(): Promise<{ ok: boolean; detail: unknown }>;
}

/**
 * `baseUrl` is GATEWAY_URL (one gateway, or the fleet's load balancer). With `router`, a salon's calls go to the
 * gateway holding its session, and a `session_elsewhere` answer sends the call once more, to where it says.
 */
export function createGatewayClient(opts: {
  baseUrl: string;
  secret: string;
  router?: SessionRouter;
  fetch?: typeof fetch;
  timeoutMs?: number;
}): GatewayClient {
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 15_000;

  async function call<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await doFetch(base + path, {
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
      const e = (json as { error?: { code?: string; message?: string; address?: string } } | null)?.error;
      throw new GatewayError(res.status, e?.code ?? "http_error", e?.message ?? `gateway answered ${res.status}`, e?.address);
    }
    return json as T;
  }

  // A send or reaction sent again after session_elsewhere carries the same idempotency key: it happens once.
  async function salonCall<T>(salonId: number, method: string, path: string, body?: unknown): Promise<T> {
    const router = opts.router;
    if (!router) return call(opts.baseUrl, method, path, body);
    const routed = await router.base(salonId).catch(() => null);
    try {
      return await call<T>(routed ?? opts.baseUrl, method, path, body);
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      if (err.code === "session_elsewhere") {
        if (err.address) router.learn(salonId, err.address);
        else router.forget(salonId);
        const next = err.address ?? (await router.base(salonId).catch(() => null)) ?? opts.baseUrl;
        return call<T>(next, method, path, body);
      }
      if (err.status === 0) router.forget(salonId);
      throw err;
    }
  }

  return {
    status: (salonId) => salonCall(salonId, "GET", `/v1/sessions/${salonId}`),
    start: (salonId) => salonCall(salonId, "POST", `/v1/sessions/${salonId}/start`, {}),
    logout: async (salonId) => {
      await salonCall(salonId, "DELETE", `/v1/sessions/${salonId}`);
    },
    sendText: (salonId, msg) => salonCall(salonId, "POST", `/v1/sessions/${salonId}/messages`, msg),
    react: (salonId, msg) => salonCall(salonId, "POST", `/v1/sessions/${salonId}/reactions`, msg),
    presence: async (salonId, msg) => {
      await salonCall(salonId, "POST", `/v1/sessions/${salonId}/presence`, msg);
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
