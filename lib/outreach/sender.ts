/**
 * The paced sender: the one place every proactive message leaves from. A salon's send job claims the next message
 * (SQL `outreach_claim` decides: off, stopped by a 463, quiet hours, spacing window, daily cap, warm-up), sends it
 * through the gateway's durable path under `outreach:<salon>:<id>`, records it in the chat history as the bot's
 * message, and publishes itself for when the next one may leave. The cron (`runOutreachTick`) wakes every salon with
 * something queued, so a lost job, a crash or a new offer costs at most a minute.
 *
 * Exactly once: the row is 'sending' from the claim; a crash after the gateway accepted it leaves it so, and once its
 * lease runs out the next claim resumes it under the same idempotency key, which the gateway answers with the first
 * message id instead of a second message.
 *
 * Ended unsent: a message the claim dropped (past `notAfter`, opted out; a channel ad also while proactive messages
 * are off or stopped) or the gateway refused is handed back to whoever offered it, once, after every send attempt
 * (`handOverEnded`); only the channel's ads need it (YClients waits for their final status). The row is marked after
 * the hand-over, so a crash in between repeats it, and the channel's side is idempotent. A salon the gate refuses
 * (`acceptsWork`) is not claimed from, but its stale messages still end (SQL `outreach_salon_idle`), all of them once
 * it is gone for good (`salonGone`), so an ad queued before a freeze or an uninstall ends at YClients too.
 *
 * Public API: `sendNextProactive(services, salonId)`, `runOutreachTick(services)`, `recordOutreachOutcome(services,
 * event)`, `OUTREACH_LEASE_SEC`.
 */
import type { Services } from "../services.js";
import type { MessageStatus } from "../contract/events.js";
import { channelAdEnded, channelAdOutcome } from "../channel/advertising.js";
import { noteRestricted } from "../channel/availability.js";
import { storeOutbound } from "../conversations/store.js";
import { SESSION_WAIT_RETRIES } from "../dispatch/dispatcher.js";
import { faultPoint } from "../faults.js";
import { GatewayError } from "../gateway/client.js";
import { publishOutreachSend } from "../jobs/outreach.js";
import { acceptsWork, getSalon, salonGone } from "../salons/store.js";
import { WARMUP_DAILY_CAP } from "./settings.js";
import { outreachStore, type OutreachClaim, type OutreachRow } from "./store.js";

/** How long a claimed send may take before the next claim resumes it (a render-free call the gateway answers at once). */
export const OUTREACH_LEASE_SEC = 30;

const sendKey = (salonId: number, id: number) => `outreach:${salonId}:${id}`;

type SendOutcome =
  | { status: "sent"; id: number; messageId: string }
  | { status: "failed"; id: number; error: string }
  | { status: "retry"; id: number; error: string };

export type ProactiveSendResult =
  | SendOutcome
  | Exclude<OutreachClaim, { action: "send" }>
  | { action: "idle"; reason: "salon_not_working" };

/** How many ended messages one send job hands over; the cron wakes the salon again for the rest. */
const ENDED_BATCH = 50;

export async function sendNextProactive(s: Services, salonId: number): Promise<ProactiveSendResult> {
  const result = await sendNext(s, salonId);
  await handOverEnded(s, salonId);
  return result;
}

async function handOverEnded(s: Services, salonId: number): Promise<void> {
  const ended = await outreachStore.ended(s.db, salonId, ENDED_BATCH);
  if (ended.length === 0) return;
  for (const m of ended) if (m.kind === "channel_ad") await channelAdEnded(s, salonId, m);
  await outreachStore.endedNoted(s.db, salonId, ended.map((m) => m.id), s.clock.now());
}

async function sendNext(s: Services, salonId: number): Promise<ProactiveSendResult> {
  const now = s.clock.now();
  const salon = await getSalon(s.db, salonId);
  if (!acceptsWork(salon, "send")) {
    // Nothing leaves, but what waits must still end: stale messages now, all of them once the salon is gone for good.
    await outreachStore.salonIdle(s.db, salonId, now, { gone: salonGone(salon), leaseSec: OUTREACH_LEASE_SEC });
    return { action: "idle", reason: "salon_not_working" };
  }
  const claim = await outreachStore.claim(s.db, salonId, now, {
    leaseSec: OUTREACH_LEASE_SEC, spacingDraw: Math.random(), warmupCap: WARMUP_DAILY_CAP,
    defaultDelaySec: s.config.bookingConfirmationDelaySec,
  });
  if (claim.action === "idle") return claim;
  if (claim.action === "wait") {
    await publishOutreachSend(s.dispatcher, salonId, Date.parse(claim.until), now.getTime());
    return claim;
  }
  const result = await sendClaimed(s, salonId, claim.message);
  // The next one when the spacing ends. Not after a retry (this job is delivered again) nor a 463 (everything stops).
  if (result.status === "sent" || (result.status === "failed" && result.error !== "restricted_463")) {
    await publishOutreachSend(s.dispatcher, salonId, Date.parse(claim.next_at ?? now.toISOString()), now.getTime());
  }
  return result;
}

async function sendClaimed(s: Services, salonId: number, m: OutreachRow): Promise<SendOutcome> {
  try {
    const { messageId } = await s.gateway.sendText(salonId, { to: m.chat, text: m.text, idempotencyKey: sendKey(salonId, m.id) });
    faultPoint("outreach-after-accept");
    await outreachStore.finish(s.db, m.id, "sent", s.clock.now(), { messageId });
    // In the history as the bot's own message, so the assistant reads the client's answer in its context.
    await storeOutbound(s.db, s.clock, { salonId, phone: m.chat, waMessageId: messageId, text: m.text, data: { outreach: m.kind, outreach_id: m.id } });
    return { status: "sent", id: m.id, messageId };
  } catch (err) {
    const ge = err instanceof GatewayError ? err : null;
    const error = ge ? ge.code : (err as Error).message;
    if (ge?.code === "restricted_463") {
      // The salon event stops every proactive message (outreach_claim) until the owner resumes them in the cabinet;
      // written before the row fails, so a crash in between leaves it 'sending' behind the stop, never failed without it.
      await noteRestricted(s, salonId, sendKey(salonId, m.id), { outreachId: m.id, kind: m.kind }, s.clock.now());
      await outreachStore.finish(s.db, m.id, "failed", s.clock.now(), { error });
      return { status: "failed", id: m.id, error };
    }
    if ((ge ? ge.retryable : true) && m.attempts < SESSION_WAIT_RETRIES) {
      await outreachStore.finish(s.db, m.id, "retry", s.clock.now(), { error });
      s.log.warn({ salonId, outreachId: m.id, attempt: m.attempts, error }, "proactive message will be retried");
      return { status: "retry", id: m.id, error };
    }
    await outreachStore.finish(s.db, m.id, "failed", s.clock.now(), { error });
    s.log.error({ salonId, outreachId: m.id, error }, "proactive message failed");
    return { status: "failed", id: m.id, error };
  }
}

/** The cron: a send job for every salon with a message queued or cut off, deduplicated per minute. */
export async function runOutreachTick(s: Services): Promise<{ salons: number }> {
  const now = s.clock.now().getTime();
  const minute = Math.floor(now / 60_000) * 60_000;
  const salons = await outreachStore.salonsDue(s.db);
  await Promise.all(salons.map((id) => publishOutreachSend(s.dispatcher, id, minute, now)));
  return { salons: salons.length };
}

/**
 * What WhatsApp made of a proactive message the gateway accepted (sent, refused, receipts); false when the key is not
 * ours. A refusal fails the row, and a 463 stops proactive traffic like a refusal at acceptance does. A channel ad's
 * outcome also goes to YClients, through the channel (lib/channel/advertising.ts), which records a 463 itself.
 */
export async function recordOutreachOutcome(s: Services, e: MessageStatus): Promise<boolean> {
  const m = /^outreach:(\d+):(\d+)$/.exec(e.idempotencyKey);
  if (!m || Number(m[1]) !== e.salonId) return false;
  const row = await outreachStore.get(s.db, e.salonId, Number(m[2]));
  if (!row) return true;
  if (e.status === "unknown") {
    s.log.warn({ salonId: e.salonId, outreachId: row.id, messageId: e.messageId }, "proactive message cut off by a gateway crash: outcome unknown");
  } else if (e.status === "failed") {
    const error = e.error ?? "failed";
    // A 463's effects before the row fails (the channel's own handling writes them for an ad): a redelivery repeats both.
    if (row.kind === "channel_ad") await channelAdOutcome(s, e, row.dedupe_key);
    else if (error === "restricted_463") await noteRestricted(s, e.salonId, e.idempotencyKey, { outreachId: row.id }, new Date(e.timestamp));
    await outreachStore.sendFailed(s.db, e.salonId, row.id, error);
    return true;
  }
  if (row.kind === "channel_ad") await channelAdOutcome(s, e, row.dedupe_key);
  return true;
}
