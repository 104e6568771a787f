import { createHash } from "node:crypto";
import { Receiver } from "@upstash/qstash";
import { createMiddleware } from "hono/factory";
import { SignJWT } from "jose";

/** Signs a delivery exactly as QStash does (HS256 JWT, sub = destination URL, body = base64url sha256). */
export async function signDelivery(key: string, url: string, body: string, nowSec: number): Promise<string> {
  return new SignJWT({ body: createHash("sha256").update(body).digest("base64url") })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer("Upstash")
    .setSubject(url)
    .setIssuedAt(nowSec)
    .setNotBefore(nowSec)
    .setExpirationTime(nowSec + 300)
    .setJti(`jwt_${Math.random().toString(36).slice(2)}`)
    .sign(new TextEncoder().encode(key));
}

export function createReceiver(keys: { currentSigningKey: string; nextSigningKey: string }): Receiver {
  return new Receiver({ currentSigningKey: keys.currentSigningKey, nextSigningKey: keys.nextSigningKey });
}

/**
 * Every route QStash calls sits behind this. The URL checked is the public one we published to, not the one the
 * request arrived on (behind Lambda URLs and proxies they differ).
 */
export function verifyQStash(receiver: Receiver, publicUrl: string) {
  return createMiddleware(async (c, next) => {
    const signature = c.req.header("upstash-signature");
    if (!signature) return c.json({ error: { code: "unsigned", message: "Upstash-Signature header is required" } }, 401);
    const body = await c.req.text();
    // QStash signs the whole destination, query string included.
    const { pathname, search } = new URL(c.req.url);
    const url = publicUrl + pathname + search;
    try {
      await receiver.verify({ signature, body, url, clockTolerance: 5 });
    } catch {
      return c.json({ error: { code: "bad_signature", message: "Upstash-Signature does not verify" } }, 401);
    }
    await next();
  });
}
