/**
 * The signed-in session of a YClients user in our web pages (onboarding now; the chat panel and the cabinet later).
 *
 *   issueSession(c, deps, { userId, salonIds }) → { csrf }   after a verified-user check (lib/marketplace/salon-admins.ts)
 *   readSession(c, deps) → WebSession | null                 the cookie, verified (signature, audience, expiry)
 *   requireSession(c, deps, { salonId?, csrf? })             throws ApiError 401 (no session) / 403 (other salon, bad CSRF)
 *
 * The cookie is a JWT (HS256, JWT_SECRET, jose) rather than a server-side row: every Lambda instance verifies it
 * without a database read, and nothing needs revoking early because every action on an active salon re-checks the
 * user's rights in YClients at that moment, and the link epoch (lib/contract/onboarding-token.ts) retires old links.
 * It names the YClients user id and the salons they were verified for, and lives SESSION_TTL_SEC.
 *
 * Cookie: HttpOnly, SameSite=Lax (the install redirect is a top-level navigation from yclients.com, which Lax lets
 * through and Strict would not), Secure with the `__Host-` prefix, except when PUBLIC_URL is plain http on a
 * loopback host (`npm start`), where a browser would drop a Secure cookie. CSRF: a random token inside the signed
 * session; the page gets it in its HTML and sends it as `X-CSRF-Token` on every state-changing request.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Clock } from "../clock.js";
import { idClaim, signHs256, verifyHs256 } from "../contract/hs256.js";
import { ApiError } from "../http/api-error.js";

export const SESSION_TTL_SEC = 12 * 60 * 60;
export const CSRF_HEADER = "x-csrf-token";
const SCOPE = { issuer: "ai-admin", audience: "web-session" };

export interface WebSession {
  userId: number;
  salonIds: number[];
  csrf: string;
  expiresAt: Date;
}

export interface SessionDeps {
  config: { jwtSecret: string; publicUrl: string };
  clock: Clock;
}

/** Plain http is allowed only on a loopback host: that is `npm start`, never a deployment. */
export function cookieIsSecure(publicUrl: string): boolean {
  const u = new URL(publicUrl);
  return !(u.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(u.hostname));
}

export const sessionCookieName = (publicUrl: string) => (cookieIsSecure(publicUrl) ? "__Host-ai_admin_session" : "ai_admin_session");

export async function readSession(c: Context, d: SessionDeps): Promise<WebSession | null> {
  const raw = getCookie(c, sessionCookieName(d.config.publicUrl));
  if (!raw) return null;
  const check = await verifyHs256(d.config.jwtSecret, SCOPE, raw, { now: d.clock.now() });
  if (!check.ok) return null;
  const { sub, salons, csrf } = check.claims;
  const userId = idClaim(Number(sub));
  if (userId === null || typeof csrf !== "string") return null;
  if (!Array.isArray(salons) || !salons.every((s) => idClaim(s) !== null)) return null;
  return { userId, salonIds: salons as number[], csrf, expiresAt: check.expiresAt };
}

/**
 * Signs the user in for `salonIds`. A live session of the same user keeps its salons (a chain owner installing one
 * branch after another) and its CSRF token (a page already open keeps working); another user's session is replaced.
 */
export async function issueSession(c: Context, d: SessionDeps, who: { userId: number; salonIds: number[] }): Promise<WebSession> {
  const previous = await readSession(c, d);
  const same = previous?.userId === who.userId ? previous : null;
  const salonIds = [...new Set([...(same?.salonIds ?? []), ...who.salonIds])];
  const csrf = same?.csrf ?? randomBytes(32).toString("base64url");
  const { token, expiresAt } = await signHs256(d.config.jwtSecret, SCOPE, {
    claims: { salons: salonIds, csrf },
    subject: String(who.userId),
    lifetimeSec: SESSION_TTL_SEC,
    now: d.clock.now(),
  });
  const secure = cookieIsSecure(d.config.publicUrl);
  setCookie(c, sessionCookieName(d.config.publicUrl), token, {
    httpOnly: true, secure, sameSite: "Lax", path: "/", maxAge: SESSION_TTL_SEC,
  });
  return { userId: who.userId, salonIds, csrf, expiresAt };
}

export function endSession(c: Context, d: SessionDeps): void {
  deleteCookie(c, sessionCookieName(d.config.publicUrl), { path: "/", secure: cookieIsSecure(d.config.publicUrl) });
}

function csrfMatches(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The session, or an ApiError: 401 none, 403 not verified for `salonId`, 403 a state-changing request without CSRF. */
export async function requireSession(c: Context, d: SessionDeps, need: { salonId?: number; csrf?: boolean } = {}): Promise<WebSession> {
  const session = await readSession(c, d);
  if (!session) throw new ApiError(401, "not_signed_in", "Open the app from the YClients marketplace to sign in");
  if (need.salonId !== undefined && !session.salonIds.includes(need.salonId)) {
    throw new ApiError(403, "salon_not_allowed", "This session was not verified for that salon");
  }
  if (need.csrf && !csrfMatches(c.req.header(CSRF_HEADER), session.csrf)) {
    throw new ApiError(403, "csrf_failed", "The request did not carry this session's CSRF token");
  }
  return session;
}
