import { signHs256, verifyHs256 } from "./hs256.js";

/** Functions → gateway calls carry a short-lived HS256 JWT: iss "functions", aud "gateway", at most 5 minutes. */
const SCOPE = { issuer: "functions", audience: "gateway" };
const LIFETIME_SEC = 120;
const MAX_LIFETIME_SEC = 300;
/** Lambda and the gateway container keep their own clocks. */
const CLOCK_SKEW_SEC = 5;

// Wall time on both ends, not a service's injected clock: the token crosses from one deployable to the other, and a
// test that moves one side's clock must not lock the functions out of the gateway.
export async function signServiceToken(secret: string): Promise<string> {
  const { token } = await signHs256(secret, SCOPE, { lifetimeSec: LIFETIME_SEC, now: new Date() });
  return token;
}

export async function verifyServiceToken(secret: string, token: string): Promise<boolean> {
  const now = new Date();
  const check = await verifyHs256(secret, SCOPE, token, { now, clockSkewSec: CLOCK_SKEW_SEC });
  // A token that expires far ahead is refused even if its signature is good; measured from now, not from its own
  // iat, which the minter chooses.
  const nowSec = Math.floor(now.getTime() / 1000);
  return check.ok && check.expiresAt.getTime() / 1000 - nowSec <= MAX_LIFETIME_SEC + CLOCK_SKEW_SEC;
}
