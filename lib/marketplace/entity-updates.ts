import { categoryRow, clientRow, serviceRow, staffRow } from "../sync/map.js";
import { syncStore } from "../sync/store.js";
import { processRecordUpdates } from "../bookings/process-records.js";
import type { EntityWebhookJob } from "../jobs/marketplace.js";
import { done, permanent, type JobOutcome } from "../jobs/outcome.js";
import { acceptsWork, getSalon } from "../salons/store.js";
import type { Services } from "../services.js";
import type { YcClient, YcRecord } from "../yclients/types.js";
import type { MarketplaceDeps } from "./deps.js";

/**
 * One YClients entity event. Records go to the booking-notification logic the moment they arrive; clients, services
 * and staff update the synced data. Both paths compare with what is stored, so a redelivery changes nothing twice.
 */
export async function takeEntityEvent(s: Services, job: EntityWebhookJob): Promise<JobOutcome> {
  const salon = await getSalon(s.db, job.salonId);
  if (!acceptsWork(salon, "entity-webhook")) return done({ status: "skipped", reason: `salon ${salon?.status ?? "unknown"}` });
  if (job.resource === "record") {
    const record = { ...job.data, id: job.resourceId, ...(job.status === "delete" ? { deleted: true } : {}) } as unknown as YcRecord;
    const result = await processRecordUpdates(s, job.salonId, [record], { source: "webhook" });
    return done({ status: "done", notifications: result.notifications.length });
  }
  const outcome = await applyEntityUpdate(s, job);
  return outcome.ok ? done({ status: "done", applied: outcome.applied }) : permanent("not_supported", outcome.message);
}

export type EntityUpdateOutcome = { ok: true; applied: string } | { ok: false; message: string };

/**
 * Client, service and staff events update the synced data through the sync store (lib/sync). A client is upserted
 * from the event itself. Services and staff are saved by the store only as whole lists (a service missing from the
 * list is removed), so their events re-read that list from YClients; the route coalesces bursts of them.
 */
export async function applyEntityUpdate(d: MarketplaceDeps, job: EntityWebhookJob): Promise<EntityUpdateOutcome> {
  const now = d.clock.now();
  switch (job.resource) {
    case "client": {
      if (job.status === "delete") {
        // The store has no single-client delete; the next full clients sync prunes it.
        return { ok: true, applied: "client delete left to the next full sync" };
      }
      const salon = await syncStore.salon(d.db, job.salonId);
      const row = clientRow({ ...(job.data as Partial<YcClient>), id: job.resourceId } as YcClient, salon?.timezone ?? "Europe/Moscow", salon?.country ?? null);
      await syncStore.saveClients(d.db, job.salonId, [row], now);
      return { ok: true, applied: "client saved" };
    }
    case "service": {
      const [categories, services] = await Promise.all([
        d.yclients.listServiceCategories(job.salonId),
        d.yclients.listServices(job.salonId),
      ]);
      await syncStore.saveCategories(d.db, job.salonId, categories.map(categoryRow), now);
      const r = await syncStore.saveServices(d.db, job.salonId, services.map(serviceRow), now);
      return { ok: true, applied: `services refreshed (${r.saved} saved, ${r.removed} removed)` };
    }
    case "staff": {
      const staff = await d.yclients.listStaff(job.salonId);
      const r = await syncStore.saveStaff(d.db, job.salonId, staff.map(staffRow), now);
      return { ok: true, applied: `staff refreshed (${r.saved} saved, ${r.gone} gone)` };
    }
    case "record":
      return { ok: false, message: "records go to processRecordUpdates, not here" };
  }
}
