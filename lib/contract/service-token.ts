import { jwtVerify, SignJWT } from "jose";

/** Functions → gateway calls carry a short-lived HS256 JWT: iss "functions", aud "gateway", at most 5 minutes. */
const ISSUER = "functions";
const AUDIENCE = "gateway";
const LIFETIME_SEC = 120;
const MAX_LIFETIME_SEC = 300;
/** Lambda and the gateway container keep their own clocks. */
const CLOCK_SKEW_SEC = 5;

const key = (secret: string) => new TextEncoder().encode(secret);

export async function signServiceToken(secret: string): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${LIFETIME_SEC}s`)
    .sign(key(secret));
}

export async function verifyServiceToken(secret: string, token: string): Promise<boolean> {
  try {
    const { payload } = await jwtVerify(token, key(secret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ["HS256"],
      clockTolerance: CLOCK_SKEW_SEC,
    });
    // A token that expires far ahead is refused even if its signature is good; measured from now, not from its own
    // iat, which the minter chooses.
    const now = Math.floor(Date.now() / 1000);
    return typeof payload.exp === "number" && payload.exp - now <= MAX_LIFETIME_SEC + CLOCK_SKEW_SEC;
  } catch {
    return false;
  }
}
