/** The assistant's typed calls to the database: turns, the context of a turn, and records it changed in YClients. */
import type { Clock } from "../clock.js";
import type { Db } from "../db/client.js";
import type { ToolCallRecord } from "./tool-call.js";

export interface BurstMessage {
  id: number;
  wa_message_id: string | null;
  kind: string;
  text: string;
  data: Record<string, unknown> | null;
  created_at: string;
}

/** A message the turn will send: to the client, or the handover notice to the salon's own number. */
export interface PlannedReply {
  to: string;
  text: string;
  key: string;
}

export type TurnBegin =
  | { outcome: "inactive"; reason: string }
  | { outcome: "newer" }
  | { outcome: "busy"; turn_id: number }
  | { outcome: "paused"; reason: string | null }
  | { outcome: "done"; turn_id?: number; status?: string; replies?: PlannedReply[] }
  | { outcome: "claimed"; turn_id: number; attempt: number; burst: BurstMessage[]; tool_calls: ToolCallRecord[] };

export interface SalonContext {
  salon: {
    salon_id: number;
    title: string | null;
    address: string | null;
    phone: string | null;
    timezone: string;
    status: string;
    whatsapp_phone: string | null;
    settings: Record<string, unknown>;
    schedule: unknown;
  };
  today: string;
  local_time: string;
  greet: boolean;
  push_name: string | null;
  services: Array<{ id: number; title: string; price_min: number | null; price_max: number | null; duration_sec: number | null; category: string | null; staff_ids: number[] }>;
  staff: Array<{ id: number; name: string; specialization: string | null }>;
  client: { id: number; name: string | null; visits_count: number; last_visit_at: string | null } | null;
  usual: { service_ids: number[]; staff_id: number | null } | null;
  upcoming: Array<{ record_id: number; starts_at: string; staff_id: number | null; staff_name: string | null; service_ids: number[]; services: unknown; duration_sec: number }>;
  recent_tool_calls: ToolCallRecord[];
  history: Array<{ id: number; direction: "in" | "out" | "admin"; text: string; kind: string; created_at: string }>;
}

export interface TurnRow {
  id: number;
  salon_id: number;
  phone: string;
  status: "running" | "answered" | "handover" | "failed" | "skipped";
  model_calls: number;
  tool_calls: ToolCallRecord[];
  model_ms: number;
  yclients_ms: number;
  own_ms: number;
  error: string | null;
  replies: PlannedReply[];
  from_message_id: number;
  through_message_id: number;
  attempts: number;
}

const iso = (clock: Clock) => clock.now().toISOString();

export async function beginTurn(db: Db, clock: Clock, salonId: number, phone: string, messageId: number, leaseSec: number): Promise<TurnBegin> {
  return db.rpc("assistant_turn_begin", {
    p_salon_id: salonId,
    p_phone: phone,
    p_message_id: messageId,
    p_lease_sec: leaseSec,
    p_now: iso(clock),
  });
}

export async function loadContext(db: Db, clock: Clock, salonId: number, phone: string, throughMessageId: number): Promise<SalonContext | null> {
  return db.rpc("assistant_context", {
    p_salon_id: salonId,
    p_phone: phone,
    p_before_message_id: throughMessageId,
    p_history: 30,
    p_now: iso(clock),
  });
}

/** Keeps a YClients-changing tool call the moment it happened (see assistant_turn_tool). */
export async function keepToolCall(db: Db, turnId: number, call: ToolCallRecord): Promise<void> {
  await db.rpc("assistant_turn_tool", { p_turn_id: turnId, p_call: call });
}

export interface TurnOutcome {
  status: "answered" | "handover" | "failed" | "skipped";
  modelCalls: number;
  toolCalls: ToolCallRecord[];
  modelMs: number;
  yclientsMs: number;
  ownMs: number;
  error: string | null;
  replies: PlannedReply[];
  greetedOn: string | null;
}

export async function finishTurn(db: Db, clock: Clock, turnId: number, o: TurnOutcome): Promise<void> {
  await db.rpc("assistant_turn_finish", {
    p_turn_id: turnId,
    p_status: o.status,
    p_model_calls: o.modelCalls,
    p_tool_calls: o.toolCalls,
    p_model_ms: Math.round(o.modelMs),
    p_yclients_ms: Math.round(o.yclientsMs),
    p_own_ms: Math.round(o.ownMs),
    p_error: o.error,
    p_replies: o.replies,
    p_greeted_on: o.greetedOn,
    p_now: iso(clock),
  });
}

export async function listTurns(db: Db, salonId: number, phone: string): Promise<TurnRow[]> {
  return db.rpc("assistant_turns_list", { p_salon_id: salonId, p_phone: phone });
}

/** What the reply job needs to decide between answering now and waiting for the rest of the burst. */
export interface ReplyWaitState {
  newer: boolean;
  received_at: string;
  presence: string | null;
  presence_at: string | null;
  settings: Record<string, unknown> | null;
}

export function replyWaitState(db: Db, salonId: number, phone: string, messageId: number): Promise<ReplyWaitState | null> {
  return db.rpc("assistant_reply_wait_state", { p_salon_id: salonId, p_phone: phone, p_message_id: messageId });
}

export interface ScheduleDay {
  date: string;
  staff_id: number;
  name: string;
  from: string;
  to: string;
}

/** Who works on which day of [from, to] (one master with `staffId`), from the synced schedule. */
export async function staffSchedule(db: Db, salonId: number, staffId: number | null, from: string, to: string): Promise<{ known: boolean; days: ScheduleDay[] }> {
  return db.rpc("assistant_staff_schedule", { p_salon_id: salonId, p_staff_id: staffId, p_from: from, p_to: to });
}

export interface ServiceExplained {
  service_id: number;
  title: string;
  price_min: number | null;
  price_max: number | null;
  duration_sec: number | null;
  category: string | null;
  description: string | null;
  staff: string[];
}

/** A service with the salon's description of it (YClients `comment`) and who performs it; null if unknown. */
export async function explainService(db: Db, salonId: number, serviceId: number): Promise<ServiceExplained | null> {
  return db.rpc("assistant_service_explain", { p_salon_id: salonId, p_service_id: serviceId });
}
