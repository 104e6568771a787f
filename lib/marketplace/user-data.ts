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
  | { ok: true; user: MarketplaceUser; raw: Record<string, unknown> }
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

export function verifyUserData(partnerToken: string, userData: string, sign: string | undefined): UserDataCheck {
  if (!sign) return { ok: false, reason: "missing_signature" };
  const decoded = decodeUserData(userData);
  if (!decoded) return { ok: false, reason: "bad_signature" };
  if (!signatureMatches(partnerToken, decoded, sign)) return { ok: false, reason: "bad_signature" };
  let raw: unknown;
  try {
    raw = JSON.parse(decoded.toString("utf8"));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { ok: false, reason: "malformed" };
  const o = raw as Record<string, unknown>;
  // The support article's example says `user_id`, real traffic says `id`.
  const idValue = o.id ?? o.user_id;
  const id = typeof idValue === "number" ? idValue : typeof idValue === "string" && /^\d+$/.test(idValue) ? Number(idValue) : null;
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
