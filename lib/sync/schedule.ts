/**
 * The 15-minute tick. Public API: `fanOutSalonSyncs(services)` asks the database which parts are due for which
 * active salon (each in its own time zone: sync_due), publishes one sync job per salon with a deduplication id
 * per salon and quarter hour (a tick that runs twice publishes once), and reports the salons blocked after a
 * 403. One salon's failed publish does not stop the others.
 */
import type { Services } from "../services.js";
import { requestSalonSync } from "../jobs/sync.js";
import { syncStore } from "./store.js";

export interface FanOutResult {
  due: number;
  published: number;
  failed: Array<{ salonId: number; error: string }>;
  blocked: Array<{ salonId: number; status: number; reason: string; retryAt: string }>;
}

export async function fanOutSalonSyncs(s: Pick<Services, "db" | "dispatcher" | "clock" | "log">): Promise<FanOutResult> {
  const now = s.clock.now();
  const quarter = new Date(Math.floor(now.getTime() / 900_000) * 900_000).toISOString().slice(0, 16);
  const due = await syncStore.due(s.db, now);
  const result: FanOutResult = { due: due.length, published: 0, failed: [], blocked: [] };
  await Promise.all(
    due.map(async (d) => {
      try {
        await requestSalonSync(s, d.salon_id, `tick:${quarter}`, d.parts);
        result.published++;
      } catch (err) {
        result.failed.push({ salonId: d.salon_id, error: (err as Error).message });
        s.log.error({ salonId: d.salon_id, err }, "sync job not published");
      }
    }),
  );
  const blocked = await syncStore.blocked(s.db);
  result.blocked = blocked
    .filter((b) => new Date(b.retry_at) > now)
    .map((b) => ({ salonId: b.salon_id, status: b.status, reason: b.reason, retryAt: b.retry_at }));
  if (result.blocked.length) s.log.warn({ blocked: result.blocked }, "salons YClients refuses are not synced");
  return result;
}
