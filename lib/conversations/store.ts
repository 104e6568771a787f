/**
 * A client's WhatsApp chat with a salon: messages in and out, the administrator's takeover, and whether the assistant
 * may answer. Every read and write of `conversations` and `messages` goes through here.
 */
import type { Clock } from "../clock.js";
import type { Db } from "../db/client.js";
import type { InboundFacts } from "./facts.js";

export interface InboundStored {
  stored: boolean;
  /** Our id of the message (also for a redelivery of one already stored). */
  message_id?: number;
  salon_status: string | null;
  settings?: Record<string, unknown>;
  paused?: boolean;
}

export interface ChatMessage {
  id: number;
  direction: "in" | "out" | "admin";
  wa_message_id: string | null;
  kind: string;
  text: string;
  created_at: string;
}

export interface Conversation {
  salon_id: number;
  phone: string;
  jid: string | null;
  push_name: string | null;
  paused_until: string | null;
  paused_reason: string | null;
  last_greeted_on: string | null;
  answered_through_id: number;
  /** A LID chat's number as the client typed it (lib/identity/chats.ts): not confirmed by WhatsApp. */
  typed_phone: string | null;
}

const iso = (clock: Clock) => clock.now().toISOString();

export async function storeInbound(
  db: Db,
  clock: Clock,
  m: { salonId: number; phone: string; jid: string | null; pushName: string | null; waMessageId: string; kind: string; text: string; data?: InboundFacts | null },
): Promise<InboundStored> {
  return db.rpc("conversation_inbound", {
    p_salon_id: m.salonId,
    p_phone: m.phone,
    p_jid: m.jid,
    p_push_name: m.pushName,
    p_wa_message_id: m.waMessageId,
    p_kind: m.kind,
    p_text: m.text,
    p_data: m.data ?? null,
    p_now: iso(clock),
  });
}

/** The administrator wrote from the salon's phone; pauses the assistant in that chat. Our own echoes are ignored. */
export async function storeAdminMessage(
  db: Db,
  clock: Clock,
  m: { salonId: number; phone: string; waMessageId: string; text: string; pauseSec: number },
): Promise<{ paused: boolean; paused_until?: string; reason?: string }> {
  return db.rpc("conversation_admin_message", {
    p_salon_id: m.salonId,
    p_phone: m.phone,
    p_wa_message_id: m.waMessageId,
    p_text: m.text,
    p_pause_sec: m.pauseSec,
    p_now: iso(clock),
  });
}

export async function storeOutbound(
  db: Db,
  clock: Clock,
  m: { salonId: number; phone: string; waMessageId: string; text: string; data?: Record<string, unknown> },
): Promise<void> {
  await db.rpc("conversation_outbound", {
    p_salon_id: m.salonId,
    p_phone: m.phone,
    p_wa_message_id: m.waMessageId,
    p_text: m.text,
    p_data: m.data ?? null,
    p_now: iso(clock),
  });
}

export async function pauseConversation(db: Db, salonId: number, phone: string, until: Date, reason: string): Promise<void> {
  await db.rpc("conversation_pause", { p_salon_id: salonId, p_phone: phone, p_until: until.toISOString(), p_reason: reason });
}

export async function listMessages(db: Db, salonId: number, phone: string): Promise<ChatMessage[]> {
  return db.rpc("conversation_messages", { p_salon_id: salonId, p_phone: phone });
}

export async function getConversation(db: Db, salonId: number, phone: string): Promise<Conversation | null> {
  return db.rpc("conversation_get", { p_salon_id: salonId, p_phone: phone });
}

/** Adds facts to a stored client message, for the assistant turn that will read it. */
export async function noteOnMessage(db: Db, salonId: number, messageId: number, data: InboundFacts): Promise<void> {
  await db.rpc("conversation_message_note", { p_salon_id: salonId, p_message_id: messageId, p_data: data });
}
