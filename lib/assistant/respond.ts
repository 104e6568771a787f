/**
 * Answers one burst of a client's messages: claims the turn, shows "typing", runs the model and tools (or, with no
 * model configured, the fixed reply and a handover), records the turn, then sends. Sends carry idempotency keys
 * derived from the turn, and a finished turn's replies are re-sent under the same keys when the job is redelivered,
 * so a retry completes what a crash interrupted and nothing reaches the client twice.
 */
import { GatewayError } from "../gateway/client.js";
import { ASSISTANT_REPLY, type AssistantReplyJob } from "../jobs/catalogue.js";
import { publishJob } from "../jobs/job.js";
import { RetryLater } from "../jobs/outcome.js";
import type { Services } from "../services.js";
import { stripGreeting } from "../conversations/greeting.js";
import { inboundFacts } from "../conversations/facts.js";
import { chatSettings } from "../conversations/settings.js";
import { getConversation, pauseConversation, storeOutbound } from "../conversations/store.js";
import { confirmedPhone, resolveChat } from "../identity/chats.js";
import { formatPhone } from "../phone/index.js";
import { localDateTime } from "./dates.js";
import type { Model } from "./model.js";
import { burstDecision } from "./burst-wait.js";
import { beginTurn, finishTurn, loadContext, replyWaitState, type BurstMessage, type PlannedReply, type SalonContext } from "./store.js";
import type { BookingApi, RecordNotes } from "./tools.js";
import { TEXTS, messageText, runTurn, type TurnResult } from "./turn.js";
import { DATA_REMOVAL } from "../outreach/opt-out.js";

/** The Services the assistant uses, YClients narrowed to its booking calls, plus the model and record notes. */
export interface AssistantDeps extends Pick<Services, "db" | "clock" | "log" | "gateway" | "dispatcher"> {
  yclients: BookingApi;
  records: RecordNotes;
  /** Null when there is no GEMINI_API_KEY: the assistant is off and every chat goes to the salon's people. */
  model: Model | null;
  /** A running turn older than this is taken over by the next delivery (its process died). */
  leaseSec?: number;
}

/** A bound on re-checks whatever the clock does: the cap (≤ 30 s) at one look a second, with room. */
const MAX_WAITS = 60;

export interface AnswerOutcome {
  outcome: "inactive" | "newer" | "paused" | "waiting" | "resent" | "answered" | "handover" | "failed" | "nothing_to_answer";
  turnId?: number;
  sent: number;
}

export async function answerBurst(d: AssistantDeps, queued: AssistantReplyJob): Promise<AnswerOutcome> {
  const started = performance.now();
  // Queued under a LID that WhatsApp has mapped since: the chat (and its messages) is the phone's now.
  const job = { ...queued, phone: await resolveChat(d.db, queued.salonId, queued.phone) };
  if (await waitForClient(d, job)) return { outcome: "waiting", sent: 0 };
  const begin = await beginTurn(d.db, d.clock, job.salonId, job.phone, job.messageId, d.leaseSec ?? 120);
  switch (begin.outcome) {
    case "inactive":
    case "newer":
    case "paused":
      return { outcome: begin.outcome, sent: 0 };
    case "busy":
      throw new RetryLater(`turn ${begin.turn_id} is being answered by another delivery`);
    case "done": {
      const sent = await send(d, job, begin.replies ?? []);
      return { outcome: "resent", turnId: begin.turn_id, sent };
    }
    case "claimed":
      break;
  }
  const turnId = begin.turn_id;
  // The burst is everything since the last turn, so a message another part already answered is in it too.
  const burst = begin.burst.filter((m) => !answeredElsewhere(m));
  if (!burst.some(needsAnswer)) {
    await finishTurn(d.db, d.clock, turnId, {
      status: "skipped", modelCalls: 0, toolCalls: [], modelMs: 0, yclientsMs: 0, ownMs: performance.now() - started,
      error: null, replies: [], greetedOn: null,
    });
    return { outcome: "nothing_to_answer", turnId, sent: 0 };
  }
  let gatewayMs = 0;
  const t = performance.now();
  await d.gateway.presence(job.salonId, { to: job.phone, state: "composing" }).catch((err: unknown) => {
    d.log.warn({ salonId: job.salonId, err: (err as Error).message }, "typing indicator not shown");
  });
  gatewayMs += performance.now() - t;

  const loaded = await loadContext(d.db, d.clock, job.salonId, job.phone, begin.burst.at(-1)?.id ?? job.messageId);
  // What was answered elsewhere within this burst is left out of the history as well: its answer is newer than the
  // burst, so the model would see it unanswered. The next turn finds both in order.
  const elsewhere = new Set(begin.burst.filter(answeredElsewhere).map((m) => m.id));
  const ctx = loaded && { ...loaded, history: loaded.history.filter((h) => !elsewhere.has(h.id)) };
  if (!ctx) {
    await finishTurn(d.db, d.clock, turnId, {
      status: "failed", modelCalls: 0, toolCalls: [], modelMs: 0, yclientsMs: 0, ownMs: performance.now() - started,
      error: "salon vanished", replies: [], greetedOn: null,
    });
    return { outcome: "failed", turnId, sent: 0 };
  }

  const chat = chatSettings(ctx.salon.settings);
  // A request to delete the client's data is the administrator's to carry out (lib/outreach/forget.ts), never the model's.
  const removal = burst.some((m) => inboundFacts(m.data).data_removal === true);
  const result: TurnResult = removal
    ? { status: "handover", parts: [DATA_REMOVAL.reply], calls: [], modelCalls: 0, modelMs: 0, yclientsMs: 0, error: null, handover: { reason: DATA_REMOVAL.reason }, greeted: false }
    : d.model && chat.enabled
    ? await runTurn({
        salonId: job.salonId,
        phone: job.phone,
        typedPhone: confirmedPhone(job.phone) ? null : (await getConversation(d.db, job.salonId, job.phone))?.typed_phone ?? null,
        turnId,
        ctx,
        burst,
        priorCalls: begin.tool_calls ?? [],
        facts: facts(begin.burst),
        db: d.db,
        clock: d.clock,
        yclients: d.yclients,
        records: d.records,
        model: d.model,
      }).catch((err: unknown): TurnResult => {
        // Something we did not foresee: the client still gets an honest answer and a person, and the turn says why.
        d.log.error({ salonId: job.salonId, turnId, err }, "assistant turn crashed");
        return {
          status: "failed", parts: [TEXTS.modelDown], calls: [], modelCalls: 0, modelMs: 0, yclientsMs: 0,
          error: `crashed: ${(err as Error).message}`, handover: { reason: "Ошибка ассистента" }, greeted: false,
        };
      })
    : {
        status: "handover",
        parts: [ctx.greet ? TEXTS.assistantOff : stripGreeting(TEXTS.assistantOff)],
        calls: [],
        modelCalls: 0,
        modelMs: 0,
        yclientsMs: 0,
        error: d.model ? "assistant switched off by the owner" : "assistant off: no GEMINI_API_KEY",
        handover: { reason: d.model ? "Ассистент выключен в кабинете" : "Ассистент выключен" },
        greeted: ctx.greet,
      };

  const replies: PlannedReply[] = result.parts.map((text, i) => ({ to: job.phone, text, key: `assistant-${job.salonId}-${turnId}-${i}` }));
  if (result.handover) {
    const until = new Date(d.clock.now().getTime() + chat.handoverPauseMin * 60_000);
    await pauseConversation(d.db, job.salonId, job.phone, until, "handover");
    const salonPhone = chat.handoverPhone ?? ctx.salon.whatsapp_phone;
    if (salonPhone && salonPhone !== job.phone) {
      replies.push({ to: salonPhone, text: handoverNotice(ctx, job.phone, burst, result.handover.reason, until), key: `assistant-${job.salonId}-${turnId}-handover` });
    } else {
      d.log.warn({ salonId: job.salonId, turnId }, "handover without a salon WhatsApp number to notify");
    }
  }

  await finishTurn(d.db, d.clock, turnId, {
    status: result.status,
    modelCalls: result.modelCalls,
    toolCalls: result.calls,
    modelMs: result.modelMs,
    yclientsMs: result.yclientsMs,
    ownMs: Math.max(0, performance.now() - started - result.modelMs - result.yclientsMs - gatewayMs),
    error: result.error,
    replies,
    greetedOn: result.greeted ? ctx.today : null,
  });
  if (result.error) d.log.warn({ salonId: job.salonId, turnId, error: result.error }, "assistant turn had a problem");
  const sent = await send(d, job, replies);
  return { outcome: result.status, turnId, sent };
}

/** The client may not be done (a quiet window, or typing): the job looks again later under a new dedupe id. */
async function waitForClient(d: AssistantDeps, job: AssistantReplyJob): Promise<boolean> {
  const state = await replyWaitState(d.db, job.salonId, job.phone, job.messageId);
  if (!state) return false;
  const decision = burstDecision(state, d.clock.now());
  if (decision.answer || (job.wait ?? 0) >= MAX_WAITS) return false;
  const next: AssistantReplyJob = { ...job, wait: (job.wait ?? 0) + 1 };
  await publishJob(d.dispatcher, ASSISTANT_REPLY, next, { delaySec: decision.delaySec });
  return true;
}

/**
 * The inbound job answered it already (a confirmation of a reminder got its thanks, a thanks got ❤️, a stop got its
 * confirmation): not the
 * assistant's to answer.
 */
function answeredElsewhere(m: BurstMessage): boolean {
  const facts = inboundFacts(m.data);
  return facts.reminder_handled === true || facts.rating_handled === true || facts.reacted !== undefined || facts.opted_out === true;
}

/** A reaction is kept with the burst for context, but on its own it is not a question. */
function needsAnswer(m: BurstMessage): boolean {
  return m.kind !== "reaction";
}

/** What the model should know besides the text: the reminder or review request a message answers (set by the inbound job). */
function facts(burst: BurstMessage[]): string[] {
  const lines = burst.flatMap((m) => {
    const f = inboundFacts(m.data);
    return [f.reminder ? `- Напоминание: ${f.reminder}` : "", f.review_request ? `- Оценка визита: ${f.review_request}` : ""];
  });
  return [...new Set(lines.filter((l) => l !== ""))];
}

export function handoverNotice(ctx: SalonContext, phone: string, burst: BurstMessage[], reason: string, until: Date): string {
  const who = ctx.client?.name ?? ctx.push_name;
  const question = burst.map(messageText).join(" ").replace(/\s+/g, " ").trim();
  const short = question.length > 300 ? `${question.slice(0, 299)}…` : question;
  const untilLocal = localDateTime(until, ctx.salon.timezone);
  return [
    `Клиенту нужен администратор: ${confirmedPhone(phone) ? formatPhone(phone) : "номер скрыт WhatsApp"}${who ? ` (${who})` : ""}.`,
    `Сообщение: «${short}»`,
    `Причина: ${reason}. Бот в этом чате молчит до ${untilLocal.time}${untilLocal.date !== ctx.today ? ` ${untilLocal.date}` : ""}; ответьте клиенту с телефона салона.`,
  ].join("\n");
}

async function send(d: AssistantDeps, job: AssistantReplyJob, replies: PlannedReply[]): Promise<number> {
  let sent = 0;
  for (const r of replies) {
    try {
      const { messageId } = await d.gateway.sendText(job.salonId, { to: r.to, text: r.text, idempotencyKey: r.key });
      await storeOutbound(d.db, d.clock, { salonId: job.salonId, phone: r.to, waMessageId: messageId, text: r.text, data: { key: r.key } });
      sent += 1;
    } catch (err) {
      if (err instanceof GatewayError && !err.retryable) {
        d.log.warn({ salonId: job.salonId, key: r.key, code: err.code }, "reply not delivered");
        continue;
      }
      throw new RetryLater(`reply ${r.key} not sent: ${(err as Error).message}`);
    }
  }
  return sent;
}
