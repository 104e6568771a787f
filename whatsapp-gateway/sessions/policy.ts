import type { GatewayOptions } from "../config.js";

/**
 * What to do when a connection closes, by Baileys disconnect code (the practice notes, §2.5):
 * 401 logged out / 403 forbidden: never reconnect, wipe, tell the functions. 515 restart required: at once.
 * 408 "QR refs attempts ended": nobody scanned; stop until the page asks again. 440 replaced: reconnect, but a
 * burst of them means a fight over the session, so wait. 405: WhatsApp refuses our Web version ("outdated
 * version"); retrying soon fails the same way, so a paired session waits long (the transport looks the version up
 * again meanwhile) and an unpaired one stops, telling the page. Everything else: exponential backoff with full jitter.
 */
export type CloseDecision =
  | { action: "logged_out"; state: "logged_out" | "forbidden" }
  | { action: "stop"; reason: "qr_expired" | "pairing_failed" | "outdated_version" }
  | { action: "reconnect"; delayMs: number; reason: string };

export interface CloseContext {
  /** Consecutive reconnects without reaching open. */
  attempt: number;
  /** Times of earlier 440s (ms), newest last; the caller keeps them. */
  conflicts: number[];
  /** A pairing code was requested and the session never opened. */
  pairing: boolean;
  /** The session has a pairing on record (worth keeping alive); absent counts as paired. */
  paired?: boolean;
  now: number;
  random?: () => number;
}

export const QR_REFS_ENDED = "QR refs attempts ended";

export function decideOnClose(code: number, message: string, ctx: CloseContext, o: GatewayOptions): CloseDecision {
  const random = ctx.random ?? Math.random;
  if (code === 401) return { action: "logged_out", state: "logged_out" };
  if (code === 403) return { action: "logged_out", state: "forbidden" };
  if (code === 515) return { action: "reconnect", delayMs: 0, reason: "restart_required" };
  if (ctx.pairing) return { action: "stop", reason: "pairing_failed" };
  if (code === 405) {
    return ctx.paired === false
      ? { action: "stop", reason: "outdated_version" }
      : { action: "reconnect", delayMs: o.outdatedVersionRetryMs, reason: "outdated_version" };
  }
  if (code === 408 && message.includes(QR_REFS_ENDED)) return { action: "stop", reason: "qr_expired" };
  const backoff = (): number => {
    if (ctx.attempt >= o.backoffMaxAttempts) return o.slowRetryMs;
    const ceiling = Math.min(o.backoffMaxMs, o.backoffBaseMs * 2 ** ctx.attempt);
    return Math.floor(random() * ceiling);
  };
  if (code === 440) {
    const recent = ctx.conflicts.filter((t) => ctx.now - t <= o.conflictLoopWindowMs).length + 1;
    if (recent >= o.conflictLoopCount) return { action: "reconnect", delayMs: o.conflictLoopBackoffMs, reason: "conflict_loop" };
    return { action: "reconnect", delayMs: backoff(), reason: "replaced" };
  }
  return { action: "reconnect", delayMs: backoff(), reason: `closed_${code}` };
}
