/**
 * The per-salon poll: the safety net for late or absent webhooks. Reads the records YClients changed since the
 * salon's cursor (with an overlap, so a change stamped a little in the past is not missed; the decision point makes
 * seeing it twice harmless), deleted ones included, page by page, each page through `processRecordUpdates`.
 *
 * Public API: `pollSalonRecords(services, salonId)` → `{ records, pages, requests, notifications, cursor }`.
 * The cursor is the newest `last_change_date` seen (YClients' clock, not ours), kept in sync_cursors.
 */
import { acceptsWork } from "../salons/store.js";
import type { Services } from "../services.js";
import { localNaive, parseYcDateTime } from "../yclients/time.js";
import { processRecordUpdates } from "./process-records.js";
import { bookingsStore } from "./store.js";

/** Re-read this much before the cursor. */
export const POLL_OVERLAP_SEC = 120;
/** With no cursor yet, look this far back: a booking older than this gets no confirmation anyway. */
export const POLL_FIRST_LOOKBACK_SEC = 30 * 60;
const PAGE_SIZE = 200;
const MAX_PAGES = 50;

export interface PollResult {
  records: number;
  pages: number;
  notifications: number;
  cursor: string;
}

export async function pollSalonRecords(s: Services, salonId: number): Promise<PollResult | { skipped: string }> {
  const salon = await bookingsStore.salon(s.db, salonId);
  if (!salon) return { skipped: "unknown salon" };
  if (!acceptsWork(salon, "poll")) return { skipped: `salon ${salon.status}` };
  const now = s.clock.now();
  const stored = await bookingsStore.pollCursor(s.db, salonId);
  const cursor = stored ? new Date(stored) : new Date(now.getTime() - POLL_FIRST_LOOKBACK_SEC * 1000);
  const changedAfter = localNaive(new Date(cursor.getTime() - POLL_OVERLAP_SEC * 1000), salon.timezone);

  let newest = cursor.getTime();
  let records = 0;
  let notifications = 0;
  let pages = 0;
  for (let page = 1; page <= MAX_PAGES; page++) {
    const res = await s.yclients.listRecords(salonId, { changedAfter, withDeleted: true, page, count: PAGE_SIZE });
    pages++;
    records += res.items.length;
    if (res.items.length > 0) {
      const applied = await processRecordUpdates(s, salonId, res.items, { source: "poll" });
      notifications += applied.notifications.length;
    }
    for (const r of res.items) {
      if (typeof r.last_change_date !== "string" || r.last_change_date === "") continue;
      try {
        newest = Math.max(newest, parseYcDateTime(r.last_change_date, salon.timezone).getTime());
      } catch {
        // An unreadable stamp does not move the cursor.
      }
    }
    if (res.items.length < PAGE_SIZE || page * PAGE_SIZE >= res.totalCount) break;
  }
  // Never ahead of our own clock: a salon clock running fast must not make us skip what changes next.
  const next = new Date(Math.min(newest, now.getTime())).toISOString();
  await bookingsStore.setPollCursor(s.db, salonId, next, now);
  return { records, pages, notifications, cursor: next };
}
