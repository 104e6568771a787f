import { createHash, timingSafeEqual } from "node:crypto";

/**
 * YClients signs the chat frame URL with one value only: `hash = sha1(salon_id + partner_token)` (hex). It is a
 * per-salon constant, so it is a password YClients holds for that salon: compared in constant time, never logged,
 * never echoed. It proves only "this URL was made by YClients for this salon"; who is looking is `user_id`, which
 * is not signed and is checked against the salon's users separately.
 */
export function frameHash(salonId: number, partnerToken: string): string {
  return createHash("sha1").update(`${salonId}${partnerToken}`, "utf8").digest("hex");
}

export function frameHashMatches(given: string, salonId: number, partnerToken: string): boolean {
  // Hash both sides to a fixed length first: timingSafeEqual needs equal lengths, and the given length leaks nothing.
  const a = createHash("sha256").update(given.toLowerCase(), "utf8").digest();
  const b = createHash("sha256").update(frameHash(salonId, partnerToken), "utf8").digest();
  return timingSafeEqual(a, b);
}

/** What we give YClients as the chat frame's URL; YClients adds salon_id, hash, user_id, lang_id (and phone). */
export const chatPanelUrl = (publicUrl: string) => `${publicUrl}/chat-panel`;

/** The URL YClients opens in its chat frame (what `npm start` prints and the browser test uses). */
export function frameUrl(publicUrl: string, partnerToken: string, q: { salonId: number; userId: number; langId?: number; phone?: string }): string {
  const p = new URLSearchParams({ salon_id: String(q.salonId), hash: frameHash(q.salonId, partnerToken), user_id: String(q.userId), lang_id: String(q.langId ?? 1) });
  if (q.phone) p.set("phone", q.phone);
  return `${chatPanelUrl(publicUrl)}?${p}`;
}
