/**
 * The one place a job's result becomes "done", "deliver it again later" or "never again". functions/jobs/handle.ts
 * turns an outcome into the answer QStash (or the local dispatcher) acts on: 200, 5xx (retried), 489 with
 * `Upstash-NonRetryable-Error` (dropped). A verb returns an outcome when it knows; an error it throws is judged by
 * `errorOutcome`, the same way for every job.
 */
import { ModelError } from "../assistant/model.js";
import { DbError } from "../db/client.js";
import { GatewayError } from "../gateway/client.js";
import { YClientsError, YClientsNetworkError, YClientsNotConfiguredError } from "../yclients/errors.js";

export type JobOutcome =
  | { kind: "done"; result: unknown }
  /** `result`, when given, is the answer's body (else an error body); `afterSec` becomes Retry-After. */
  | { kind: "retry"; code: string; message: string; afterSec?: number; result?: unknown }
  | { kind: "permanent"; code: string; message: string };

export const done = (result: unknown): JobOutcome => ({ kind: "done", result });
export const retryLater = (code: string, message: string, more: { afterSec?: number; result?: unknown } = {}): JobOutcome =>
  ({ kind: "retry", code, message, ...more });
export const permanent = (code: string, message: string): JobOutcome => ({ kind: "permanent", code, message });

/** A verb's way of asking for another delivery later (another delivery holds the turn, the gateway is down). */
export class RetryLater extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RetryLater";
  }
}

/**
 * SQLSTATE classes a retry can heal: 08 connection, 40 serialization failure / deadlock, 53 out of resources,
 * 57 operator intervention (shutdown); PostgREST's own 5xx and a fetch that got no answer (status 0) too.
 */
const TRANSIENT_SQLSTATE = /^(08|40|53|57)/;

/**
 * What an error a job threw means. YClients: 429, 5xx and no answer come back later, any other 4xx will be refused
 * the same way again (a verb for which a 404 means something else, a deleted record, catches it itself). The
 * gateway: its retryable codes (lib/contract/service-api.ts). The model: timeouts, network and its 429/5xx. The
 * database: connection and serialization trouble; a data exception (SQLSTATE 22, the arguments themselves) never
 * heals. Anything else, the database's other errors included, is retried: a bug fixed by a deploy heals the job.
 */
export function errorOutcome(err: unknown): JobOutcome {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof RetryLater) return retryLater("retry_later", message);
  if (err instanceof YClientsNetworkError) return retryLater("yclients_unavailable", message);
  if (err instanceof YClientsError) {
    return err.isRetryable ? retryLater("yclients_unavailable", message) : permanent(`yclients_${err.status}`, message);
  }
  if (err instanceof YClientsNotConfiguredError) return permanent("yclients_not_configured", message);
  if (err instanceof GatewayError) return err.retryable ? retryLater(err.code, message) : permanent(err.code, message);
  if (err instanceof ModelError) {
    const transient = err.kind === "timeout" || err.kind === "network" || (err.kind === "http" && (err.status === 429 || (err.status ?? 500) >= 500));
    return transient ? retryLater("model_unavailable", message) : permanent(`model_${err.kind}`, message);
  }
  if (err instanceof DbError) {
    if (err.code.startsWith("22")) return permanent("db_rejected", message);
    const transient = TRANSIENT_SQLSTATE.test(err.code) || err.status === 0 || err.status >= 500;
    return retryLater(transient ? "db_unavailable" : "internal", message);
  }
  return retryLater("internal", message);
}
