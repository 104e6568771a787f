/**
 * The install-trust rows (migration 20261130010000_install_trust.sql): the redirect's replay window and per-address
 * budget, and each salon's current onboarding link. Every read and write of those tables goes through here.
 */
import type { Clock } from "../clock.js";
import type { Db } from "../db/client.js";

export type RedirectAdmission = "ok" | "rate_limited" | "replayed";

export interface RedirectLimits {
  replayWindowSec: number;
  ipLimit: number;
  ipWindowSec: number;
}

/** Counts the attempt against the address, then claims the signature (see the SQL for the order). */
export async function admitRedirect(
  db: Db,
  clock: Clock,
  a: { signHash: string; userId: number; sessionUserId: number | null; ip: string; limits: RedirectLimits },
): Promise<RedirectAdmission> {
  const r = await db.rpc<{ outcome: RedirectAdmission }>("marketplace_redirect_admit", {
    p_sign_hash: a.signHash,
    p_user_id: a.userId,
    p_session_user_id: a.sessionUserId,
    p_ip: a.ip,
    p_replay_window_sec: a.limits.replayWindowSec,
    p_ip_limit: a.limits.ipLimit,
    p_ip_window_sec: a.limits.ipWindowSec,
    p_now: clock.now().toISOString(),
  });
  return r.outcome;
}

/** A new onboarding link for the salon: older onboarding tokens stop opening its WhatsApp. Returns the new epoch. */
export async function startOnboardingLink(db: Db, clock: Clock, salonId: number, userId: number): Promise<number> {
  return db.rpc<number>("onboarding_link_start", { p_salon_id: salonId, p_user_id: userId, p_now: clock.now().toISOString() });
}

