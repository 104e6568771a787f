import { categoryRow, clientRow, serviceRow, staffRow } from "../sync/map.js";
import { syncStore } from "../sync/store.js";
import type { YcClient } from "../yclients/types.js";
import type { MarketplaceDeps } from "./deps.js";
import type { EntityWebhookJob } from "./jobs.js";

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
