import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * `user_data` / `user_data_sign` of the marketplace redirect (yclients-api.md §11.2): base64 (YClients uses the
 * URL-safe alphabet with padding) of a JSON object, signed with lowercase hex HMAC-SHA256 of the *decoded* JSON
 * bytes keyed with the partner token. The docs suggest the base64 string is signed; live traffic says otherwise.
 */
export interface MarketplaceUser {
  id: number | null;
  name: string | null;
  phone: string | null;
  email: string | null;
  salonName: string | null;
  isApproved: boolean | null;
}

export type UserDataCheck =
  | { ok: true; user: MarketplaceUser & { id: number }; raw: Record<string, unknown> }
  | { ok: false; reason: "missing_signature" | "bad_signature" | "malformed" };

/** Decodes either base64 alphabet; a `+` that a query string turned into a space is put back. */
export function decodeUserData(userData: string): Buffer | null {
  const cleaned = userData.trim().replace(/ /g, "+");
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(cleaned)) return null;
  return Buffer.from(cleaned.replace(/-/g, "+").replace(/_/g, "/"), "base64");
}

export function signUserData(partnerToken: string, decodedJson: Buffer | string): string {
  return createHmac("sha256", partnerToken).update(decodedJson).digest("hex");
}

/** Constant-time comparison of the hex signature; any length or alphabet mismatch is simply "bad". */
export function signatureMatches(partnerToken: string, decodedJson: Buffer, sign: string): boolean {
  const expected = Buffer.from(signUserData(partnerToken, decodedJson), "utf8");
  const given = Buffer.from(sign.trim().toLowerCase(), "utf8");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const str = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v.trim() : null);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Text Postgres can store: no NUL, no lone surrogate, anywhere in the object (keys included). */
function storable(v: unknown): boolean {
  if (typeof v === "string") return !v.includes("\u0000") && !LONE_SURROGATE.test(v);
  if (Array.isArray(v)) return v.every(storable);
  if (v && typeof v === "object") return Object.entries(v).every(([k, x]) => storable(k) && storable(x));
  return true;
}

/**
 * A forged signature is "bad_signature" (403); anything that is not what YClients sends (a sign that is not 64 hex
 * digits, user_data that is not base64 of UTF-8 JSON, NUL or lone surrogates, no user id) is "malformed" (400).
 */
export function verifyUserData(partnerToken: string, userData: string, sign: string | undefined): UserDataCheck {
  if (!sign) return { ok: false, reason: "missing_signature" };
  if (!/^[0-9a-fA-F]{64}$/.test(sign.trim())) return { ok: false, reason: "malformed" };
  const decoded = decodeUserData(userData);
  if (!decoded) return { ok: false, reason: "malformed" };
  if (!signatureMatches(partnerToken, decoded, sign)) return { ok: false, reason: "bad_signature" };
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(decoded));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw) || !storable(raw)) return { ok: false, reason: "malformed" };
  const o = raw as Record<string, unknown>;
  // The support article's example says `user_id`, real traffic says `id`.
  const idValue = o.id ?? o.user_id;
  const id = typeof idValue === "number" ? idValue : typeof idValue === "string" && /^\d{1,15}$/.test(idValue) ? Number(idValue) : null;
  // Without a user id there is nobody to check against the salon.
  if (id === null || !Number.isSafeInteger(id) || id <= 0) return { ok: false, reason: "malformed" };
  return {
    ok: true,
    raw: o,
    user: {
      id,
      name: str(o.name),
      phone: str(o.phone),
      email: str(o.email),
      salonName: str(o.salon_name),
      isApproved: typeof o.is_approved === "boolean" ? o.is_approved : null,
    },
  };
}
