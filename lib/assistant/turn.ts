/**
 * One assistant turn: the model reads the context and the client's burst, may call tools for a few rounds, and
 * ends with text. This module decides what the client is told; it sends nothing (respond.ts does).
 */
import type { Clock } from "../clock.js";
import type { Db } from "../db/client.js";
import { stripGreeting } from "../conversations/greeting.js";
import { ModelError, type Content, type Model, type Part } from "./model.js";
import { confirmationReply, confirmations } from "./confirmation.js";
import { systemPrompt } from "./prompt.js";
import { splitReply, unbackedClaims } from "./reply.js";
import type { BurstMessage, SalonContext } from "./store.js";
import { TOOL_DECLARATIONS, initialShown, runTool, type BookingApi, type RecordNotes, type ToolCallRecord, type ToolState } from "./tools.js";

/** Model calls per turn: a question with no tool costs one, a booking two (slots, book; the confirmation is ours). */
export const MAX_MODEL_CALLS = 5;
const MAX_TOOL_FAILURES = 2;

export const TEXTS = {
  modelDown:
    "Извините, у меня сейчас техническая заминка и я не могу ответить сама. Я передала ваш вопрос администратору салона — вам ответят здесь.",
  handover: "Я передала ваш вопрос администратору салона — вам ответят здесь в ближайшее время.",
  tooManyFailures:
    "Извините, сейчас не получается это оформить: система записи не отвечает. Я передала ваш вопрос администратору — вам ответят здесь.",
  assistantOff: "Здравствуйте! Спасибо за сообщение. Администратор салона ответит вам здесь в ближайшее время.",
  unbacked: "Извините, я не смогла это оформить. Я передала ваш вопрос администратору — вам ответят здесь.",
};

const MEDIA: Record<string, string> = {
  audio: "[клиент прислал голосовое сообщение]",
  image: "[клиент прислал фото]",
  video: "[клиент прислал видео]",
  document: "[клиент прислал файл]",
  sticker: "[стикер]",
  location: "[клиент прислал геолокацию]",
  contact: "[клиент прислал контакт]",
  other: "[сообщение, которое нельзя прочитать]",
};

export interface TurnInput {
  salonId: number;
  phone: string;
  /** The number a LID-only client typed earlier (remember_phone). */
  typedPhone: string | null;
  turnId: number;
  ctx: SalonContext;
  burst: BurstMessage[];
  priorCalls: ToolCallRecord[];
  /** Extra facts for the model, e.g. the reminder this message answers. */
  facts: string[];
  records: RecordNotes;
  db: Db;
  clock: Clock;
  yclients: BookingApi;
  model: Model;
}

export interface TurnResult {
  status: "answered" | "handover" | "failed";
  parts: string[];
  calls: ToolCallRecord[];
  modelCalls: number;
  modelMs: number;
  yclientsMs: number;
  error: string | null;
  handover: { reason: string } | null;
  greeted: boolean;
}

export function messageText(m: { kind: string; text: string }): string {
  if (m.kind === "text") return m.text;
  if (m.kind === "reaction") return `[клиент поставил реакцию ${m.text}]`;
  return m.text && m.text !== "" && !m.text.startsWith("[") ? `${MEDIA[m.kind] ?? MEDIA.other} ${m.text}` : MEDIA[m.kind] ?? MEDIA.other!;
}

/** The conversation before the burst as alternating user/model contents, starting with the user as the API requires. */
export function buildContents(ctx: SalonContext, burst: BurstMessage[]): Content[] {
  const burstIds = new Set(burst.map((b) => b.id));
  const contents: Content[] = [];
  const push = (role: "user" | "model", text: string) => {
    const last = contents[contents.length - 1];
    if (last && last.role === role) last.parts.push({ text });
    else contents.push({ role, parts: [{ text }] });
  };
  for (const h of ctx.history) {
    if (burstIds.has(h.id)) continue;
    if (h.direction === "in") push("user", messageText(h));
    else if (h.direction === "out") push("model", h.text);
    else push("model", `[ответил администратор салона] ${h.text}`);
  }
  while (contents.length > 0 && contents[0]!.role !== "user") contents.shift();
  push("user", burst.map(messageText).join("\n"));
  return contents;
}

function greeting(ctx: SalonContext): string {
  const name = ctx.client?.name?.split(/\s+/)[0];
  return name ? `Здравствуйте, ${name}!` : "Здравствуйте!";
}

export async function runTurn(input: TurnInput): Promise<TurnResult> {
  const { ctx } = input;
  const state: ToolState = {
    salonId: input.salonId,
    phone: input.phone,
    typedPhone: input.typedPhone,
    ctx,
    turnId: input.turnId,
    db: input.db,
    clock: input.clock,
    yclients: input.yclients,
    priorCalls: input.priorCalls,
    calls: [],
    yclientsMs: 0,
    shown: initialShown(ctx),
    handover: null,
    notes: input.records,
    warnings: [],
  };
  const system = systemPrompt(ctx, input.phone, input.facts, input.typedPhone);
  const contents = buildContents(ctx, input.burst);
  let modelCalls = 0;
  let modelMs = 0;
  let text = "";
  let error: string | null = null;
  let status: TurnResult["status"] = "answered";
  let corrected = false;

  const result = (parts: string[]): TurnResult => {
    if (state.handover && status === "answered") status = "handover";
    const shaped = ctx.greet ? parts : parts.map((p, i) => (i === 0 ? stripGreeting(p) : p));
    return {
      status,
      parts: shaped,
      calls: state.calls,
      modelCalls,
      modelMs,
      yclientsMs: state.yclientsMs,
      error: [error, ...state.warnings].filter(Boolean).join("; ") || null,
      handover: state.handover,
      greeted: ctx.greet && shaped.length > 0,
    };
  };

  try {
    for (;;) {
      if (modelCalls >= MAX_MODEL_CALLS) {
        error = `no answer after ${MAX_MODEL_CALLS} model calls`;
        state.handover ??= { reason: "Ассистент не справился с запросом" };
        status = "failed";
        return result([...confirmations(state.calls), TEXTS.handover]);
      }
      const t = performance.now();
      modelCalls += 1;
      let answer;
      try {
        answer = await input.model.generate({ system, contents, tools: TOOL_DECLARATIONS });
      } finally {
        modelMs += performance.now() - t;
      }
      if (answer.calls.length === 0) {
        text = answer.text;
        const succeeded = new Set(state.calls.filter((c) => c.ok).map((c) => c.name));
        const claims = unbackedClaims(text, succeeded);
        if (claims.length > 0) {
          if (!corrected && modelCalls < MAX_MODEL_CALLS) {
            corrected = true;
            contents.push({ role: "model", parts: answer.parts });
            contents.push({
              role: "user",
              parts: [{ text: `[система] Ты написал, что действие выполнено (${claims.join(", ")}), но инструмент не вызывался или вернул ошибку. Не сообщай об успехе: вызови нужный инструмент или честно ответь клиенту.` }],
            });
            continue;
          }
          error = `reply claimed ${claims.join(", ")} without a successful tool call`;
          state.handover ??= { reason: "Ассистент не смог выполнить действие" };
          status = "failed";
          return result([...confirmations(state.calls), TEXTS.unbacked]);
        }
        break;
      }
      contents.push({ role: "model", parts: answer.parts });
      const responses: Part[] = [];
      const round: ToolCallRecord[] = [];
      for (const call of answer.calls) {
        const rec = await runTool(state, call.name, call.args);
        round.push(rec);
        responses.push({ functionResponse: { name: call.name, response: rec.result } });
      }
      // A change that went through is confirmed from its result: the model would only restate it, a second later.
      const confirmed = confirmationReply(round, ctx.greet ? greeting(ctx) : null);
      if (confirmed) return result(confirmed);
      contents.push({ role: "function", parts: responses });
      const failures = state.calls.filter((c) => !c.ok && /^yclients_/.test(String(c.result.error))).length;
      if (failures >= MAX_TOOL_FAILURES) {
        error = `YClients failed ${failures} times: ${state.calls.filter((c) => !c.ok).map((c) => c.result.message).join("; ")}`;
        state.handover ??= { reason: "Система записи YClients не отвечает" };
        status = "failed";
        return result([...confirmations(state.calls), TEXTS.tooManyFailures]);
      }
    }
  } catch (err) {
    if (!(err instanceof ModelError)) throw err;
    error = `model ${err.kind}: ${err.message}`;
    state.handover ??= { reason: "Ассистент временно недоступен" };
    status = "failed";
    return result([...confirmations(state.calls), TEXTS.modelDown]);
  }

  const parts = splitReply(text);
  if (parts.length === 0) return result([state.handover ? TEXTS.handover : TEXTS.modelDown]);
  return result(parts);
}
