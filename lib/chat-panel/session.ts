import { randomBytes } from "node:crypto";
import type { Clock } from "../clock.js";
import { idClaim, signHs256, verifyHs256 } from "../contract/hs256.js";

/**
 * The panel's own short-lived session, held by the page (in its HTML, then in memory) and sent as
 * `Authorization: Bearer` on every API call. Not a cookie: the panel lives in YClients' cross-site frame, where a
 * SameSite=Lax cookie is never sent, and third-party cookies (even `Partitioned`) are blocked by some browsers
 * outright. A header the page must add itself is also the CSRF defence: a forged cross-site request cannot carry it.
 *
 * The token names the YClients user and the one salon YClients' frame hash vouched for; it lives PANEL_TTL_SEC, and
 * the page renews it (`POST /chat-panel/api/renew`) before then, which asks YClients about the user again.
 */
export const PANEL_TTL_SEC = 30 * 60;
const SCOPE = { issuer: "ai-admin", audience: "chat-panel" };

export interface PanelSession {
  salonId: number;
  userId: number;
  expiresAt: Date;
}

export async function signPanelToken(secret: string, clock: Clock, who: { salonId: number; userId: number }): Promise<{ token: string; expiresAt: Date }> {
  return signHs256(secret, SCOPE, {
    claims: { salon: who.salonId },
    subject: String(who.userId),
    lifetimeSec: PANEL_TTL_SEC,
    now: clock.now(),
    // So two tokens issued in the same second differ (nothing is stored under it).
    jti: randomBytes(9).toString("base64url"),
  });
}

/** The session, or null for anything not a live panel token of ours (expired, forged, another audience). */
export async function verifyPanelToken(secret: string, clock: Clock, token: string): Promise<PanelSession | null> {
  const check = await verifyHs256(secret, SCOPE, token, { now: clock.now() });
  if (!check.ok) return null;
  const userId = idClaim(Number(check.claims.sub));
  const salonId = idClaim(check.claims.salon);
  return userId === null || salonId === null ? null : { salonId, userId, expiresAt: check.expiresAt };
}
