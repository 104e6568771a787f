/** The panel's typed calls to its SQL functions (supabase/migrations/20261130300000_chat_panel.sql). */
import type { Clock } from "../clock.js";
import type { Db } from "../db/client.js";
import { optedOutAmong } from "../outreach/opt-out.js";

export interface PanelChat {
  phone: string;
  name: string | null;
  last_at: string | null;
  paused_until: string | null;
  handed_over: boolean;
  last: { direction: "in" | "out" | "admin"; kind: string; text: string } | null;
  unread: number;
  /** The client said stop (lib/outreach/opt-out.ts): nothing proactive goes to this chat. */
  opted_out: boolean;
}

export interface PanelMessage {
  id: number;
  direction: "in" | "out" | "admin";
  kind: string;
  text: string;
  created_at: string;
  data: Record<string, unknown> | null;
  send_status: "queued" | "sending" | "sent" | "failed" | "unknown" | null;
}

export const CHATS_PAGE = 30;
export const HISTORY_PAGE = 50;

export async function listChats(db: Db, clock: Clock, salonId: number, before: { at: string; phone: string } | null): Promise<PanelChat[]> {
  const chats = await db.rpc<Array<Omit<PanelChat, "opted_out">>>("chat_panel_conversations", {
    p_salon_id: salonId, p_before_at: before?.at ?? null, p_before_phone: before?.phone ?? null, p_limit: CHATS_PAGE, p_now: clock.now().toISOString(),
  });
  const out = await optedOutAmong({ db }, salonId, chats.map((c) => c.phone));
  return chats.map((c) => ({ ...c, opted_out: out.has(c.phone) }));
}

export function chatHistory(db: Db, salonId: number, phone: string, q: { beforeId?: number; afterId?: number }): Promise<PanelMessage[]> {
  return db.rpc("chat_panel_history", { p_salon_id: salonId, p_phone: phone, p_before_id: q.beforeId ?? null, p_after_id: q.afterId ?? null, p_limit: HISTORY_PAGE });
}

export async function latestMessageId(db: Db, salonId: number): Promise<number> {
  return Number(await db.rpc("chat_panel_latest", { p_salon_id: salonId }));
}

export async function markRead(db: Db, salonId: number, phone: string, throughId: number): Promise<void> {
  await db.rpc("chat_panel_mark_read", { p_salon_id: salonId, p_phone: phone, p_through_id: throughId });
}

/** Pauses the bot in the chat until `until`, or gives it back (null). Null answer: no such chat. */
export function setPause(db: Db, salonId: number, phone: string, until: Date | null): Promise<{ paused_until: string | null } | null> {
  return db.rpc("chat_panel_set_pause", { p_salon_id: salonId, p_phone: phone, p_until: until?.toISOString() ?? null });
}
