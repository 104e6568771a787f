/**
 * The cabinet's test chat: the owner writes as a client and gets the assistant's real answer (the real turn loop,
 * model and the salon's real data), without WhatsApp. The chat is the owner's pseudo-client `test:<user id>`: stored
 * like any chat (so the assistant keeps its context and the slots it showed), but statistics and chat lists leave
 * `test:` phones out, nothing is sent through the gateway, a handover pauses nothing and notifies nobody, and bookings
 * go through `checkOnlyBookings` (checked, not made).
 *
 * Public API: `testChatPhone`, `testChatHistory`, `testChatSend`, `TestChatError`.
 */
import { randomUUID } from "node:crypto";
import { TEST_CHAT_PREFIX } from "../identity/chats.js";
import type { AssistantDeps } from "../assistant/respond.js";
import { beginTurn, finishTurn, loadContext } from "../assistant/store.js";
import type { RecordNotes, ToolCallRecord } from "../assistant/tools.js";
import { TEXTS, runTurn, type TurnResult } from "../assistant/turn.js";
import { listMessages, storeInbound, storeOutbound } from "../conversations/store.js";
import { checkOnlyBookings } from "./check-only-bookings.js";

/** The reserved phone prefix of test chats; SQL statistics and lists skip `phone like 'test:%'`. */
export const testChatPhone = (userId: number) => `${TEST_CHAT_PREFIX}${userId}`;

export const TEST_CHAT_LIMIT = 1000;

export class TestChatError extends Error {
  constructor(readonly code: "assistant_off" | "busy" | "salon_not_active", message: string) {
    super(message);
    this.name = "TestChatError";
  }
}

/** Nothing reaches the booking monitor: no record was made. */
const NO_NOTES: RecordNotes = { created: async () => {}, changed: async () => {} };

export interface TestChatAnswer {
  replies: string[];
  /** Bookings the assistant would have made: checked free with YClients, not created. */
  checked: Array<{ service: string; staff_name: string; date_human: string; time: string }>;
  /** Why a real chat would have gone to the salon's people here (nothing is paused or sent). */
  handover: string | null;
}

export const testChatHistory = (d: Pick<AssistantDeps, "db">, salonId: number, userId: number) =>
  listMessages(d.db, salonId, testChatPhone(userId));

export async function testChatSend(d: AssistantDeps, salonId: number, userId: number, text: string): Promise<TestChatAnswer> {
  if (!d.model) {
    throw new TestChatError("assistant_off", "Ассистент выключен: не задан ключ языковой модели (GEMINI_API_KEY). Тестовый чат заработает, когда ключ будет задан.");
  }
  const phone = testChatPhone(userId);
  const stored = await storeInbound(d.db, d.clock, {
    salonId, phone, jid: null, pushName: "Тест владельца", waMessageId: `test-${randomUUID()}`, kind: "text", text, data: null,
  });
  const begin = await beginTurn(d.db, d.clock, salonId, phone, stored.message_id!, d.leaseSec ?? 120);
  if (begin.outcome === "inactive") throw new TestChatError("salon_not_active", "Салон сейчас не активен: ассистент не отвечает. Проверьте оплату приложения в YClients.");
  if (begin.outcome !== "claimed") throw new TestChatError("busy", "Ассистент ещё отвечает на предыдущее сообщение. Подождите ответа и напишите снова.");
  const started = performance.now();
  const ctx = await loadContext(d.db, d.clock, salonId, phone, stored.message_id!);
  if (!ctx) throw new TestChatError("salon_not_active", "Салон не найден. Обновите страницу.");
  const result = await runTurn({
    salonId, phone, turnId: begin.turn_id, ctx, burst: begin.burst, priorCalls: begin.tool_calls ?? [], facts: [], typedPhone: null,
    db: d.db, clock: d.clock, yclients: checkOnlyBookings(d.yclients), records: NO_NOTES, model: d.model,
  }).catch((err: unknown): TurnResult => {
    d.log.error({ salonId, turnId: begin.turn_id, err }, "test chat turn crashed");
    return {
      status: "failed", parts: [TEXTS.modelDown], calls: [], modelCalls: 0, modelMs: 0, yclientsMs: 0,
      error: `crashed: ${(err as Error).message}`, handover: { reason: "Ошибка ассистента" }, greeted: false,
    };
  });
  const replies = result.parts.map((t, i) => ({ to: phone, text: t, key: `test-chat-${salonId}-${begin.turn_id}-${i}` }));
  await finishTurn(d.db, d.clock, begin.turn_id, {
    status: result.status, modelCalls: result.modelCalls, toolCalls: result.calls, modelMs: result.modelMs,
    yclientsMs: result.yclientsMs, ownMs: Math.max(0, performance.now() - started - result.modelMs - result.yclientsMs),
    error: result.error, replies, greetedOn: result.greeted ? ctx.today : null,
  });
  for (const r of replies) {
    await storeOutbound(d.db, d.clock, { salonId, phone, waMessageId: r.key, text: r.text, data: { key: r.key, test: true } });
  }
  return { replies: result.parts, checked: checkedBookings(result.calls), handover: result.handover?.reason ?? null };
}

function checkedBookings(calls: ToolCallRecord[]): TestChatAnswer["checked"] {
  return calls
    .filter((c) => c.name === "create_booking" && c.ok)
    .map((c) => {
      const r = c.result as Record<string, string>;
      return { service: r.service!, staff_name: r.staff_name!, date_human: r.date_human!, time: r.time! };
    });
}
