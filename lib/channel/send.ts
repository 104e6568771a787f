/**
 * Sending a message YClients handed us, through the salon's WhatsApp, once: the gateway is asked with the key
 * `channel:<salon>:<yc id>`, so a redelivered job gets the first message id back, not a second message. The gateway
 * spaces a salon's sends as it does for every send. The text goes into the chat history as ours, so a client
 * answering a YClients reminder ("перенесите на завтра") is understood in context by the assistant.
 *
 * Quiet hours: a message follows the salon's quiet-hours choice by the notifications' own rule (SQL
 * `quiet_hours_end`, asked by `channel_send_attempt`): inside them it is held and its job published again for their
 * end. YClients meanwhile has "passed to operator" (8), so it neither counts the message lost nor sends the SMS at
 * night. Nothing is dropped: YClients' text names no visit, so we cannot tell one that no longer makes sense.
 */
import type { Services } from "../services.js";
import { storeOutbound } from "../conversations/store.js";
import { SESSION_WAIT_RETRIES } from "../dispatch/dispatcher.js";
import { faultPoint } from "../faults.js";
import { GatewayError } from "../gateway/client.js";
import type { MessageStatus } from "../contract/events.js";
import { acceptsWork, getSalon } from "../salons/store.js";
import { DELIVERY_STATUS, publishChannelSend, publishChannelStatus } from "../jobs/channel.js";
import { noteRestricted } from "./availability.js";
import { statusForFailure } from "./statuses.js";
import { channelStore } from "./store.js";

/** Refusals a retry cannot mend: the message fails now, and YClients hears it so it can use its next channel. */
const FINAL_GATEWAY_CODES = new Set(["session_logged_out", "not_on_whatsapp", "restricted_463"]);

export type ChannelSendResult =
  | { status: "accepted" | "done" | "failed" }
  | { status: "held"; until: string }
  | { status: "retry"; error: string };

/** The gateway idempotency key of a channel message, the one recordChannelOutcome reads back. */
export const channelIdempotencyKey = (salonId: number, ycId: string) => `channel:${salonId}:${ycId}`;

/**
 * Fails a message and queues YClients' final status for `error` (statuses.ts). A repeat with the same error queues
 * it again, as a crash may have cut the first queueing off; YClients gets it once (channel_status_begin). A later
 * different failure moves nothing and queues nothing: one final status per message.
 */
export async function failChannelMessage(s: Services, salonId: number, ycId: string, error: string): Promise<void> {
  const changed = await channelStore.advance(s.db, s.clock, salonId, ycId, "failed", { error });
  faultPoint("channel-after-fail");
  if (changed) await publishChannelStatus(s.dispatcher, salonId, ycId, statusForFailure(error));
}

/**
 * For a repeat that finds the message already failed without knowing why (YClients retrying its POST of an ad refused
 * at the offer, a send job redelivered after failing it): its final status queued again, in case a crash cut the
 * first queueing off. Posted once all the same.
 */
export async function requeueFinalStatus(s: Services, salonId: number, ycId: string): Promise<void> {
  const row = await channelStore.get(s.db, salonId, ycId);
  if (row?.state === "failed") await publishChannelStatus(s.dispatcher, salonId, ycId, statusForFailure(row.error ?? "failed"));
}

/**
 * A 463's effects first (noteRestricted), so a failed message always has them, however a crash cuts this; `at` is
 * when WhatsApp refused (the gateway's event time when it told us so).
 */
async function fail(s: Services, salonId: number, ycId: string, error: string, at = s.clock.now()): Promise<void> {
  if (error === "restricted_463") await noteRestricted(s, salonId, channelIdempotencyKey(salonId, ycId), { channelMessage: ycId }, at);
  await failChannelMessage(s, salonId, ycId, error);
}

export async function sendChannelMessage(s: Services, salonId: number, ycId: string): Promise<ChannelSendResult> {
  const row = await channelStore.sendAttempt(s.db, s.clock, salonId, ycId);
  if (!row) {
    await requeueFinalStatus(s, salonId, ycId);
    return { status: "done" };
  }
  // Posted from here rather than by the endpoint, which must answer at once; superseded if the send settles first.
  await publishChannelStatus(s.dispatcher, salonId, ycId, DELIVERY_STATUS.passedToOperator);
  if (row.held_until) {
    const until = Date.parse(row.held_until);
    await publishChannelSend(s.dispatcher, salonId, ycId, { key: `quiet${until}`, delaySec: Math.max(0, Math.ceil((until - s.clock.now().getTime()) / 1000)) });
    return { status: "held", until: row.held_until };
  }
  if (!acceptsWork(await getSalon(s.db, salonId), "send")) {
    await fail(s, salonId, ycId, "salon_not_active");
    return { status: "failed" };
  }
  try {
    const { messageId } = await s.gateway.sendText(salonId, { to: row.phone, text: row.text, idempotencyKey: channelIdempotencyKey(salonId, ycId) });
    await channelStore.advance(s.db, s.clock, salonId, ycId, "accepted", { waMessageId: messageId });
    await storeOutbound(s.db, s.clock, { salonId, phone: row.phone, waMessageId: messageId, text: row.text, data: { channel: "yclients", yc_id: ycId } });
    return { status: "accepted" };
  } catch (err) {
    const ge = err instanceof GatewayError ? err : null;
    if (ge && FINAL_GATEWAY_CODES.has(ge.code)) {
      await fail(s, salonId, ycId, ge.code);
      return { status: "failed" };
    }
    const error = ge ? ge.code : (err as Error).message;
    if ((ge ? ge.retryable : true) && row.attempts < SESSION_WAIT_RETRIES) return { status: "retry", error };
    await fail(s, salonId, ycId, ge?.retryable ? "session_down" : error);
    return { status: "failed" };
  }
}

/** What WhatsApp made of a channel message the gateway accepted (`message.status`); other keys are not ours. */
export async function recordChannelOutcome(s: Services, e: MessageStatus): Promise<boolean> {
  const m = /^channel:(\d+):(.+)$/.exec(e.idempotencyKey);
  if (!m || Number(m[1]) !== e.salonId) return false;
  const ycId = m[2]!;
  if (e.status === "sent") {
    const changed = await channelStore.advance(s.db, s.clock, e.salonId, ycId, "sent", { waMessageId: e.messageId });
    if (changed) await publishChannelStatus(s.dispatcher, e.salonId, ycId, DELIVERY_STATUS.sentToPhone);
  } else if (e.status === "failed") {
    await fail(s, e.salonId, ycId, e.error ?? "failed", new Date(e.timestamp));
  } else if (e.status === "delivered") {
    // WhatsApp's receipt: YClients' "delivered" (1), posted once like every status.
    await publishChannelStatus(s.dispatcher, e.salonId, ycId, DELIVERY_STATUS.delivered);
  } else if (e.status === "read") {
    // YClients' statuses have no "read"; the receipt is kept with the chat history only.
  } else {
    // Cut off by a gateway crash while on the socket: most likely it left; YClients keeps "passed to operator".
    s.log.warn({ salonId: e.salonId, ycId, messageId: e.messageId }, "channel message outcome unknown after a gateway crash");
  }
  return true;
}
