import { GatewayError } from "../gateway/client.js";
import { freezeSalon, getSalon, listSalons, recordPayment, unfreezeSalon, uninstallSalon } from "../salons/store.js";
import type { MarketplaceDeps } from "./deps.js";
import type { LifecycleJob } from "../jobs/marketplace.js";

export type LifecycleOutcome = "uninstalled" | "frozen" | "unfrozen" | "paid" | "unchanged" | "unknown_salon";

/**
 * YClients' lifecycle events. uninstall: log the WhatsApp session out (the gateway wipes its auth state), then wipe
 * what the database still holds and forget the keys. freeze: keep session and data; the status alone pauses the
 * salon's work (every job checks `acceptsWork`). payment: recorded with its date (the webhook's, else when it
 * arrived), and a frozen salon works again at once. All are no-ops when repeated.
 */
export async function applyLifecycle(d: MarketplaceDeps, job: LifecycleJob): Promise<LifecycleOutcome> {
  const salon = await getSalon(d.db, job.salonId);
  if (!salon) return "unknown_salon";
  if (job.event === "payment") {
    const t = await recordPayment(d.db, d.clock, job.salonId, job.paymentDate ?? new Date(job.receivedAt).toISOString());
    return t.unfrozen ? "unfrozen" : t.changed ? "paid" : "unchanged";
  }
  if (job.event === "freeze") {
    const t = await freezeSalon(d.db, d.clock, job.salonId, "payment_overdue");
    return t.changed ? "frozen" : "unchanged";
  }
  if (salon.status === "uninstalled") return "unchanged";
  try {
    await d.gateway.logout(job.salonId);
  } catch (err) {
    // A salon that never linked WhatsApp has no session to log out; anything else must be retried.
    if (!(err instanceof GatewayError && err.status === 404)) throw err;
  }
  const t = await uninstallSalon(d.db, d.clock, job.salonId);
  return t.changed ? "uninstalled" : "unchanged";
}

export interface StatusCheckSummary {
  checked: number;
  unfrozen: number[];
  stillFrozen: number;
  failed: number;
}

/**
 * The daily look at frozen salons: YClients says whether the paid period resumed. A salon it reports active is
 * unfrozen and gets a fresh sync through `onUnfrozen`; one it reports uninstalled is left to the uninstall webhook.
 */
export async function checkFrozenSalons(d: MarketplaceDeps, onUnfrozen: (salonId: number) => Promise<void>): Promise<StatusCheckSummary> {
  const frozen = await listSalons(d.db, ["frozen"]);
  const summary: StatusCheckSummary = { checked: 0, unfrozen: [], stillFrozen: 0, failed: 0 };
  for (const salon of frozen) {
    summary.checked += 1;
    try {
      const app = await d.yclients.getSalonApplication(salon.salon_id);
      if (app.connection_status?.status === "active") {
        const t = await unfreezeSalon(d.db, d.clock, salon.salon_id, "marketplace_status");
        if (t.changed) {
          summary.unfrozen.push(salon.salon_id);
          await onUnfrozen(salon.salon_id);
        }
      } else {
        summary.stillFrozen += 1;
      }
    } catch (err) {
      summary.failed += 1;
      d.log.warn({ salonId: salon.salon_id, err: (err as Error).message }, "marketplace status check failed");
    }
  }
  return summary;
}
