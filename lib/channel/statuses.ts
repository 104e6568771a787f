/**
 * Delivery statuses back to YClients, each posted once per message and status: a state row per (message, status)
 * is claimed before the post and marked after it (SQL `channel_status_begin` / `_finish`). A crash between YClients
 * taking the post and our mark repeats that one post; nothing else posts a state twice.
 */
import { faultPoint } from "../faults.js";
import type { Services } from "../services.js";
import { YClientsError, YClientsNotConfiguredError } from "../yclients/errors.js";
import { DELIVERY_STATUS, type DeliveryStatus } from "../jobs/channel.js";
import { channelStore } from "./store.js";

/** How long one delivery may hold a status post before another may take it over. */
const POST_LEASE_SEC = 30;

/**
 * Which status a failure is: 16 (rejected by operator) when WhatsApp or we refused the message itself (463,
 * advertising switched off, a client who opted out), 2 (not delivered) when the client or the session could not be
 * reached or an ad waited past its validity. Both let YClients fall back to its next channel.
 */
export function statusForFailure(error: string): DeliveryStatus {
  return ["restricted_463", "advertising_off", "opted_out"].includes(error) ? DELIVERY_STATUS.rejected : DELIVERY_STATUS.notDelivered;
}

export type PostOutcome = "posted" | "done" | "busy" | "no_callback" | "gave_up" | "retry";

export async function postDeliveryStatus(s: Services, salonId: number, ycId: string, status: DeliveryStatus): Promise<PostOutcome | "superseded"> {
  if (status === DELIVERY_STATUS.passedToOperator) {
    // Jobs run in any order: once the message is sent or failed, a late "passed to operator" would undo that state.
    const row = await channelStore.get(s.db, salonId, ycId);
    if (row && (row.state === "sent" || row.state === "failed")) return "superseded";
  }
  const claim = await channelStore.statusBegin(s.db, s.clock, salonId, ycId, status, POST_LEASE_SEC);
  if (claim.action !== "post") return claim.action;
  try {
    await s.yclients.postDeliveryStatuses(salonId, claim.url, [{ id: ycId, status }]);
  } catch (err) {
    const permanent = err instanceof YClientsNotConfiguredError || (err instanceof YClientsError && !err.isRetryable);
    const reason = err instanceof YClientsError ? `HTTP ${err.status}` : (err as Error).message;
    await channelStore.statusFinish(s.db, s.clock, salonId, ycId, status, { ok: false, gaveUp: permanent ? reason : null });
    s.log.warn({ salonId, ycId, status, reason, attempt: claim.attempt, permanent }, "delivery status not taken by YClients");
    return permanent ? "gave_up" : "retry";
  }
  faultPoint("channel-status-after-post");
  await channelStore.statusFinish(s.db, s.clock, salonId, ycId, status, { ok: true });
  return "posted";
}
