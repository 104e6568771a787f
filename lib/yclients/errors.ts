/**
 * Errors the YClients client raises. Public API:
 * - `YClientsError`: YClients answered with a non-success status (or `success:false`). Carries `status`,
 *   `message` (from `meta.message`), `errors` (`meta.errors` as sent), `code` (first `meta.errors[].code`, the
 *   booking codes 431–438), and `method`/`path`/`salonId` for logs. Helpers `isForbidden`, `isRateLimited`,
 *   `isNotFound`, `isRetryable`.
 * - `YClientsNetworkError`: no answer (connection refused, reset, or the per-call timeout: `timedOut`).
 * - `YClientsNotConfiguredError`: there is no partner token; every call fails with it, saying so.
 */
import type { YcErrors } from "./types.js";

export class YClientsError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: YcErrors | null,
    readonly method: string,
    readonly path: string,
    readonly salonId: number | null,
  ) {
    super(message);
    this.name = "YClientsError";
  }

  /** The first `{code}` of a booking validation error (433 slot busy, 436 no staff, …), if any. */
  get code(): number | null {
    if (!Array.isArray(this.errors)) return null;
    for (const e of this.errors) if (typeof e.code === "number") return e.code;
    return null;
  }

  get isForbidden(): boolean {
    return this.status === 403;
  }
  get isNotFound(): boolean {
    return this.status === 404;
  }
  get isRateLimited(): boolean {
    return this.status === 429;
  }
  /** 429 and 5xx are worth another try; any other 4xx will fail the same way again. */
  get isRetryable(): boolean {
    return this.status === 429 || this.status >= 500;
  }
}

export class YClientsNetworkError extends Error {
  readonly status = 0;
  constructor(
    readonly method: string,
    readonly path: string,
    readonly salonId: number | null,
    readonly timedOut: boolean,
    cause: unknown,
  ) {
    super(timedOut ? `YClients ${method} ${path}: no answer in time` : `YClients ${method} ${path}: ${(cause as Error)?.message ?? cause}`, { cause });
    this.name = "YClientsNetworkError";
  }
}

export class YClientsNotConfiguredError extends Error {
  constructor() {
    super("YClients is not configured: YCLIENTS_PARTNER_TOKEN is not set (the local stack starts the sandbox instead)");
    this.name = "YClientsNotConfiguredError";
  }
}
