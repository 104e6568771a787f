/**
 * Who a chat is with. A chat is keyed by the client's phone digits when WhatsApp has told us the number, and by the
 * LID JID ("123456789@lid") while it has not; WhatsApp's later word moves the LID chat to the phone key
 * (supabase/migrations/20261130610000_lid_chats.sql). Only WhatsApp confirms a number: one the client types in a
 * LID chat is kept apart and may only book a new visit, never show or change that number's visits.
 */
import { z } from "zod";
import type { Clock } from "../clock.js";
import { peerLid, type Peer } from "../contract/events.js";
import type { Db } from "../db/client.js";

/** A chat key: phone digits, or a LID JID. */
export const ChatKey = z.string().regex(/^([0-9]{7,15}|[0-9]{1,20}@lid)$/);

/** The phone WhatsApp confirmed for this chat, or null while the chat is known only by its LID. */
export const confirmedPhone = (key: string): string | null => (/^[0-9]{7,15}$/.test(key) ? key : null);

/**
 * The owner's test chat in the cabinet ("test:<user id>", lib/cabinet/test-chat.ts): no WhatsApp behind it and its
 * bookings are only checked, so its key stands in for a number.
 */
export const TEST_CHAT_PREFIX = "test:";
export const isTestChat = (key: string): boolean => key.startsWith(TEST_CHAT_PREFIX);

/** The chat key of a message's sender; a phone beside a LID is WhatsApp's word and is kept as the LID's mapping. */
export async function identifyChat(db: Db, clock: Clock, salonId: number, peer: Peer): Promise<string | null> {
  const lid = peerLid(peer);
  if (!peer.phone && !lid) return null;
  return db.rpc<string>("chat_identify", { p_salon_id: salonId, p_lid: lid, p_phone: peer.phone, p_now: clock.now().toISOString() });
}

/** WhatsApp said which phone a LID stands for: kept, and the LID's chat (if any) becomes the phone's. */
export async function storeLidMapping(db: Db, clock: Clock, salonId: number, lid: string, phone: string): Promise<boolean> {
  return db.rpc<boolean>("lid_mapping_store", { p_salon_id: salonId, p_lid: lid, p_phone: phone, p_now: clock.now().toISOString() });
}

/** A chat key as it stands now (a reply job queued under a LID that has since been mapped answers the phone's chat). */
export async function resolveChat(db: Db, salonId: number, key: string): Promise<string> {
  return confirmedPhone(key) ?? db.rpc<string>("chat_resolve", { p_salon_id: salonId, p_key: key });
}

/** The number a LID-only client typed: for a new booking in that number only. */
export async function rememberTypedPhone(db: Db, salonId: number, key: string, phone: string): Promise<void> {
  await db.rpc("conversation_typed_phone_set", { p_salon_id: salonId, p_key: key, p_phone: phone });
}
