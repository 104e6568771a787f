/**
 * Sending one notification row, exactly once: claim (pending → sending, in SQL, deciding then whether it is still
 * worth sending), render, ask the gateway with the row's idempotency key, record the outcome. A crash after the
 * gateway sent but before the outcome was written leaves the row 'sending'; when its lease runs out the next
 * delivery claims it again and the gateway answers the same idempotency key with the first message, not a second.
 *
 * The gateway answers once it has durably accepted the send, so the row is 'sent' from then on; should WhatsApp
 * refuse it afterwards (not on WhatsApp, 463) the gateway's `message.status` event turns it 'failed'
 * (`recordSendOutcome`).
 *
 * Public API: `sendNotification(services, salonId, notificationId)` → `SendResult`; `recordSendOutcome(services,
 * event)`; `CLAIM_LEASE_SEC`.
 *
 * A booking notice first re-reads the record from YClients: what YClients says then goes through the decision point
 * (a deleted record means no confirmation; a change undone means no change notice).
 */
import type { Services } from "../services.js";
import { processRecordDeleted, processRecordUpdates } from "../bookings/process-records.js";
import { noteRestricted } from "../channel/availability.js";
import { GatewayError } from "../gateway/client.js";
import type { MessageStatus } from "../contract/events.js";
import { YClientsError, YClientsNetworkError, YClientsNotConfiguredError } from "../yclients/errors.js";
import { publishNotificationSends, SEND_RETRIES } from "../jobs/catalogue.js";
import { notificationsStore } from "./store.js";
import { renderTemplate } from "./templates.js";
import { renderNotification } from "./texts.js";

/**
 * Booking notices re-read the record before going out: the confirmation because the administrator had the delay to
 * correct it, change and cancellation notices because two webhooks stamped the same second can arrive in either
 * order. Reminders trust our state (a re-read per reminder would not fit YClients' 200 requests a minute).
 */
const REREAD_KINDS = new Set(["booking_created", "booking_changed", "booking_cancelled"]);

/**
 * How long a claimed send may take before another delivery may take it over (after a crash, the wait before the
 * notification's next delivery). The gateway answers as soon as it has durably accepted the send, so the claimed
 * part is a render and one short call.
 */
export const CLAIM_LEASE_SEC = 30;

export type SendResult =
  | { status: "sent"; messageId: string }
  | { status: "skipped"; reason: string }
  | { status: "failed"; error: string }
  | { status: "done"; was: string }
  /** Quiet hours: the row's job was published again for `until`. */
  | { status: "deferred"; until: string }
  /** Try again later: the gateway or YClients is down, or another delivery holds the claim. */
  | { status: "retry"; error: string; afterSec?: number };

export async function sendNotification(s: Services, salonId: number, notificationId: number): Promise<SendResult> {
  const row = await notificationsStore.get(s.db, notificationId);
  if (!row || row.salon_id !== salonId) return { status: "done", was: "missing" };
  if (row.status !== "pending" && row.status !== "sending") return { status: "done", was: row.status };

  if (REREAD_KINDS.has(row.kind) && row.status === "pending") {
    const overdueSec = (s.clock.now().getTime() - Date.parse(row.due_at)) / 1000;
    const reread = await rereadRecord(s, salonId, row.record_id, overdueSec > REREAD_PATIENCE_SEC);
    if (reread) return reread;
  }

  const now = s.clock.now();
  const delay = s.config.bookingConfirmationDelaySec;
  const claim = await notificationsStore.claim(s.db, notificationId, now, CLAIM_LEASE_SEC, delay);
  if (claim.action === "done") return { status: "done", was: claim.status };
  if (claim.action === "skipped") return { status: "skipped", reason: claim.reason ?? "skipped" };
  if (claim.action === "busy") return { status: "retry", error: "another delivery is sending it", afterSec: CLAIM_LEASE_SEC };
  if (claim.action === "deferred") {
    await publishNotificationSends(s, salonId, [{ id: notificationId, due_at: claim.due_at }], `quiet${Date.parse(claim.due_at)}`);
    return { status: "deferred", until: claim.due_at };
  }

  const n = claim.notification;
  const input = { id: n.id, kind: n.kind, data: n.data ?? {}, record: claim.record, salon: claim.salon, now };
  const own = claim.texts?.[n.kind];
  const text = own ? renderTemplate(own, input) : renderNotification(input);
  if (text === null) {
    await notificationsStore.finish(s.db, n.id, "skipped", s.clock.now(), { reason: "no_net_change" });
    return { status: "skipped", reason: "no_net_change" };
  }

  const key = `notification:${salonId}:${n.id}`;
  try {
    const { messageId } = await s.gateway.sendText(salonId, { to: n.phone, text, idempotencyKey: key });
    await notificationsStore.finish(s.db, n.id, "sent", s.clock.now(), { messageId, text });
    return { status: "sent", messageId };
  } catch (err) {
    const ge = err instanceof GatewayError ? err : null;
    const error = ge ? `${ge.code}: ${ge.message}` : (err as Error).message;
    if (ge?.code === "restricted_463") {
      // WhatsApp restricted the salon's number: retrying makes it worse. The salon has to see this, before the row
      // fails: a crash in between leaves it 'sending', and the next claim meets the gateway's same refusal.
      await noteRestricted(s, salonId, key, { notificationId: n.id, kind: n.kind, error: ge.message }, s.clock.now());
      await notificationsStore.finish(s.db, n.id, "failed", s.clock.now(), { error, text });
      return { status: "failed", error };
    }
    if (ge?.code === "session_restoring") {
      // The gateway is coming back (a restart or deploy): waiting is the plan, not a failure.
      s.log.info({ salonId, notificationId: n.id, attempt: n.attempts }, "WhatsApp session restoring; notification waits");
    }
    const retryable = ge ? ge.retryable : true;
    if (retryable && n.attempts < SEND_RETRIES) {
      await notificationsStore.finish(s.db, n.id, "retry", s.clock.now(), { error, text });
      s.log.warn({ salonId, notificationId: n.id, attempt: n.attempts, error }, "notification send will be retried");
      return { status: "retry", error };
    }
    await notificationsStore.finish(s.db, n.id, "failed", s.clock.now(), { error, text });
    s.log.error({ salonId, notificationId: n.id, attempts: n.attempts, error }, "notification failed");
    return { status: "failed", error };
  }
}

/**
 * What became of a notification's send after the gateway accepted it. Sent: already recorded at acceptance.
 * Failed: the row says so, and a 463 is the salon's business. Unknown (a crash while it was on the socket): logged;
 * the row stays 'sent' with that message id, since it most likely left and is never repeated.
 */
export async function recordSendOutcome(s: Services, e: MessageStatus): Promise<void> {
  const m = /^notification:(\d+):(\d+)$/.exec(e.idempotencyKey);
  if (!m || Number(m[1]) !== e.salonId) return;
  const notificationId = Number(m[2]);
  if (e.status === "unknown") {
    s.log.warn({ salonId: e.salonId, notificationId, messageId: e.messageId }, "notification send cut off by a gateway crash: outcome unknown");
    return;
  }
  if (e.status !== "failed") return;
  const error = e.error ?? "failed";
  // Before the row fails, so a redelivery after a crash still writes what a 463 leaves (once).
  if (error === "restricted_463") await noteRestricted(s, e.salonId, e.idempotencyKey, { notificationId, error }, new Date(e.timestamp));
  const status = await notificationsStore.sendFailed(s.db, notificationId, e.messageId, error, s.clock.now());
  if (status !== null) s.log.error({ salonId: e.salonId, notificationId, error }, "WhatsApp refused a notification the gateway had accepted");
}

/** How long a confirmation waits for YClients to answer its re-read before going out with what we hold. */
const REREAD_PATIENCE_SEC = 600;

/** Re-reads the record; returns a result only when the send must wait (YClients unreachable). */
async function rereadRecord(s: Services, salonId: number, recordId: number, impatient: boolean): Promise<SendResult | null> {
  try {
    const record = await s.yclients.getRecord(salonId, recordId);
    await processRecordUpdates(s, salonId, [record], { source: "recheck" });
  } catch (err) {
    if (err instanceof YClientsError && err.isNotFound) {
      await processRecordDeleted(s, salonId, recordId);
      return null;
    }
    if ((err instanceof YClientsError && err.isRetryable) || err instanceof YClientsNetworkError) {
      if (impatient) {
        s.log.warn({ salonId, recordId, err }, "YClients still unreachable: confirmation goes out as last seen");
        return null;
      }
      return { status: "retry", error: `YClients: ${(err as Error).message}` };
    }
    if (err instanceof YClientsNotConfiguredError || err instanceof YClientsError) {
      // No way to re-read (no credentials, no rights): what we hold is the best we know.
      s.log.warn({ salonId, recordId, err }, "record not re-read before its confirmation");
      return null;
    }
    throw err;
  }
  return null;
}
