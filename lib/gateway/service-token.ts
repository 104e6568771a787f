import { jwtVerify, SignJWT } from "jose";

/** Functions → gateway calls carry a short-lived HS256 JWT: iss "functions", aud "gateway", at most 5 minutes. */
const ISSUER = "functions";
const AUDIENCE = "gateway";
const LIFETIME_SEC = 120;

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
    const { payload } = await jwtVerify(token, key(secret), { issuer: ISSUER, audience: AUDIENCE, algorithms: ["HS256"] });
    // A token minted with a far expiry is refused even if its signature is good.
    return typeof payload.exp === "number" && typeof payload.iat === "number" && payload.exp - payload.iat <= 300;
  } catch {
    return false;
  }
}
