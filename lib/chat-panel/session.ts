import { randomBytes } from "node:crypto";
import { jwtVerify, SignJWT } from "jose";
import type { Clock } from "../clock.js";

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
const ISSUER = "ai-admin";
const AUDIENCE = "chat-panel";

export interface PanelSession {
  salonId: number;
  userId: number;
  expiresAt: Date;
}

const key = (secret: string) => new TextEncoder().encode(secret);

export async function signPanelToken(secret: string, clock: Clock, who: { salonId: number; userId: number }): Promise<{ token: string; expiresAt: Date }> {
  const nowSec = Math.floor(clock.now().getTime() / 1000);
  const token = await new SignJWT({ salon: who.salonId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(String(who.userId))
    .setIssuedAt(nowSec)
    .setExpirationTime(nowSec + PANEL_TTL_SEC)
    // A random id so two tokens issued in the same second differ (nothing is stored under it).
    .setJti(randomBytes(9).toString("base64url"))
    .sign(key(secret));
  return { token, expiresAt: new Date((nowSec + PANEL_TTL_SEC) * 1000) };
}

/** The session, or null for anything not a live panel token of ours (expired, forged, another audience). */
export async function verifyPanelToken(secret: string, clock: Clock, token: string): Promise<PanelSession | null> {
  try {
    const { payload } = await jwtVerify(token, key(secret), { issuer: ISSUER, audience: AUDIENCE, algorithms: ["HS256"], currentDate: clock.now() });
    const userId = Number(payload.sub);
    const salonId = payload.salon;
    if (!Number.isSafeInteger(userId) || userId <= 0 || typeof salonId !== "number" || !Number.isSafeInteger(salonId) || salonId <= 0) return null;
    return { salonId, userId, expiresAt: new Date((payload.exp ?? 0) * 1000) };
  } catch {
    return null;
  }
}
