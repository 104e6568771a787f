import type { Db } from "../db/client.js";
import { idClaim, signHs256, verifyHs256 } from "./hs256.js";

/**
 * The onboarding token: what the onboarding page hands the gateway's WebSocket (another origin, so the session
 * cookie does not reach it) and activation. Minted by the page only for a signed-in user verified for the salon
 * (lib/web-session), never put in a URL. HS256 with JWT_SECRET; the salon id is the subject, `uid` the YClients user,
 * `epoch` the salon's onboarding link it belongs to: once the owner's redirect starts a new link, an older token
 * opens nothing (`onboardingLinkEpoch`, asked by the gateway's WebSocket and by activation).
 */
const SCOPE = { issuer: "ai-admin", audience: "onboarding" };
export const ONBOARDING_TOKEN_TTL_SEC = 60 * 60;

export interface OnboardingGrant {
  salonId: number;
  userId: number;
  epoch: number;
  expiresAt: Date;
}

export type TokenCheck = ({ ok: true } & OnboardingGrant) | { ok: false; reason: "expired" | "invalid" };

export async function signOnboardingToken(
  secret: string,
  salonId: number,
  nowSec: number,
  link: { userId: number; epoch: number },
): Promise<string> {
  const { token } = await signHs256(secret, SCOPE, {
    claims: { uid: link.userId, epoch: link.epoch },
    subject: String(salonId),
    lifetimeSec: ONBOARDING_TOKEN_TTL_SEC,
    now: new Date(nowSec * 1000),
  });
  return token;
}

export async function verifyOnboardingToken(secret: string, token: string, now: Date): Promise<TokenCheck> {
  const check = await verifyHs256(secret, SCOPE, token, { now });
  if (!check.ok) return check;
  const salonId = idClaim(Number(check.claims.sub));
  // A token without a user and a link (as the unverified redirect once minted) opens nothing.
  const userId = idClaim(check.claims.uid);
  const epoch = idClaim(check.claims.epoch);
  if (salonId === null || userId === null || epoch === null) return { ok: false, reason: "invalid" };
  return { ok: true, salonId, userId, epoch, expiresAt: check.expiresAt };
}

/** The salon's current link epoch; 0 when no redirect was ever honoured for it. */
export async function onboardingLinkEpoch(db: Db, salonId: number): Promise<number> {
  return db.rpc<number>("onboarding_link_epoch", { p_salon_id: salonId });
}
