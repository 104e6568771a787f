import { jwtVerify, SignJWT, errors } from "jose";

/**
 * The onboarding token: minted by the registration redirect, carried by the onboarding page to activation and to
 * the gateway's WebSocket. HS256 with JWT_SECRET; the salon id is the subject.
 */
const ISSUER = "ai-admin";
const AUDIENCE = "onboarding";
export const ONBOARDING_TOKEN_TTL_SEC = 60 * 60;

export type TokenCheck = { ok: true; salonId: number } | { ok: false; reason: "expired" | "invalid" };

const key = (secret: string) => new TextEncoder().encode(secret);

export async function signOnboardingToken(secret: string, salonId: number, nowSec = Math.floor(Date.now() / 1000)): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(String(salonId))
    .setIssuedAt(nowSec)
    .setExpirationTime(nowSec + ONBOARDING_TOKEN_TTL_SEC)
    .sign(key(secret));
}

export async function verifyOnboardingToken(secret: string, token: string, now: Date = new Date()): Promise<TokenCheck> {
  try {
    const { payload } = await jwtVerify(token, key(secret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ["HS256"],
      currentDate: now,
    });
    const salonId = Number(payload.sub);
    if (!Number.isSafeInteger(salonId) || salonId <= 0) return { ok: false, reason: "invalid" };
    return { ok: true, salonId };
  } catch (err) {
    return { ok: false, reason: err instanceof errors.JWTExpired ? "expired" : "invalid" };
  }
}
