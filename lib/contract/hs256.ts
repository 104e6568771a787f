import { errors, jwtVerify, SignJWT, type JWTPayload } from "jose";

/**
 * Our HS256 JWTs (the service token, the onboarding token, the web session, the chat panel's token): one signing and
 * one verifying path, so every token pins the algorithm, checks issuer, audience and expiry, and takes its time from
 * the caller. The modules that mint a kind of token own its claims and what a verified token means.
 */
export interface Hs256Scope {
  issuer: string;
  audience: string;
}

export interface Hs256Mint {
  claims?: JWTPayload;
  subject?: string;
  lifetimeSec: number;
  now: Date;
  /** A random id, for a token that must differ from one minted in the same second. */
  jti?: string;
}

export type Hs256Check =
  | { ok: true; claims: JWTPayload; expiresAt: Date }
  | { ok: false; reason: "expired" | "invalid" };

const key = (secret: string) => new TextEncoder().encode(secret);

export async function signHs256(secret: string, scope: Hs256Scope, mint: Hs256Mint): Promise<{ token: string; expiresAt: Date }> {
  const nowSec = Math.floor(mint.now.getTime() / 1000);
  const exp = nowSec + mint.lifetimeSec;
  const jwt = new SignJWT(mint.claims ?? {})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(scope.issuer)
    .setAudience(scope.audience);
  if (mint.subject !== undefined) jwt.setSubject(mint.subject);
  jwt.setIssuedAt(nowSec).setExpirationTime(exp);
  if (mint.jti !== undefined) jwt.setJti(mint.jti);
  return { token: await jwt.sign(key(secret)), expiresAt: new Date(exp * 1000) };
}

/** Signature (HS256 only), issuer, audience and expiry at `now`, with `clockSkewSec` of grace; a token without `exp` is invalid. */
export async function verifyHs256(
  secret: string,
  scope: Hs256Scope,
  token: string,
  at: { now: Date; clockSkewSec?: number },
): Promise<Hs256Check> {
  try {
    const { payload } = await jwtVerify(token, key(secret), {
      issuer: scope.issuer,
      audience: scope.audience,
      algorithms: ["HS256"],
      currentDate: at.now,
      clockTolerance: at.clockSkewSec ?? 0,
      requiredClaims: ["exp"],
    });
    return { ok: true, claims: payload, expiresAt: new Date(payload.exp! * 1000) };
  } catch (err) {
    return { ok: false, reason: err instanceof errors.JWTExpired ? "expired" : "invalid" };
  }
}

/** A claim holding one of our ids (a salon, a YClients user): a positive safe integer, else null. */
export const idClaim = (v: unknown): number | null => (typeof v === "number" && Number.isSafeInteger(v) && v > 0 ? v : null);
