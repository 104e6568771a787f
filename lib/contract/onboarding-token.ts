import { jwtVerify, SignJWT, errors } from "jose";
import type { Db } from "../db/client.js";

/**
 * The onboarding token: what the onboarding page hands the gateway's WebSocket (another origin, so the session
 * cookie does not reach it) and activation. Minted by the page only for a signed-in user verified for the salon
 * (lib/web-session), never put in a URL. HS256 with JWT_SECRET; the salon id is the subject, `uid` the YClients user,
 * `epoch` the salon's onboarding link it belongs to: once the owner's redirect starts a new link, an older token
 * opens nothing (`onboardingLinkEpoch`, asked by the gateway's WebSocket and by activation).
 */
const ISSUER = "ai-admin";
const AUDIENCE = "onboarding";
export const ONBOARDING_TOKEN_TTL_SEC = 60 * 60;

export interface OnboardingGrant {
  salonId: number;
  userId: number;
  epoch: number;
  expiresAt: Date;
}

export type TokenCheck = ({ ok: true } & OnboardingGrant) | { ok: false; reason: "expired" | "invalid" };

const key = (secret: string) => new TextEncoder().encode(secret);

export async function signOnboardingToken(
  secret: string,
  salonId: number,
  nowSec: number,
  link: { userId: number; epoch: number },
): Promise<string> {
  return new SignJWT({ uid: link.userId, epoch: link.epoch })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(String(salonId))
    .setIssuedAt(nowSec)
    .setExpirationTime(nowSec + ONBOARDING_TOKEN_TTL_SEC)
    .sign(key(secret));
}

const positive = (v: unknown) => (typeof v === "number" && Number.isSafeInteger(v) && v > 0 ? v : null);

export async function verifyOnboardingToken(secret: string, token: string, now: Date = new Date()): Promise<TokenCheck> {
  try {
    const { payload } = await jwtVerify(token, key(secret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ["HS256"],
      currentDate: now,
    });
    const salonId = Number(payload.sub);
    // A token without a user and a link (as the unverified redirect once minted) opens nothing.
    const userId = positive(payload.uid);
    const epoch = positive(payload.epoch);
    if (!Number.isSafeInteger(salonId) || salonId <= 0 || userId === null || epoch === null || typeof payload.exp !== "number") {
      return { ok: false, reason: "invalid" };
    }
    return { ok: true, salonId, userId, epoch, expiresAt: new Date(payload.exp * 1000) };
  } catch (err) {
    return { ok: false, reason: err instanceof errors.JWTExpired ? "expired" : "invalid" };
  }
}

/** The salon's current link epoch; 0 when no redirect was ever honoured for it. */
export async function onboardingLinkEpoch(db: Db, salonId: number): Promise<number> {
  return db.rpc<number>("onboarding_link_epoch", { p_salon_id: salonId });
}
