import { bookingsStore } from "../../lib/bookings/store.js";
import { BOOKING_POLL } from "../../lib/jobs/catalogue.js";
import { publishJob } from "../../lib/jobs/job.js";
import type { Services } from "../../lib/services.js";
import { cronHandler } from "./lambda.js";

/**
 * Poll requests a minute may spend: YClients allows 200 a minute per IP, and the confirmations' re-reads, the sync
 * and the assistant need the rest. Each poll is one request when nothing changed (bench/notifications.ts).
 */
export const POLL_BUDGET_PER_MINUTE = 120;

/**
 * Every minute: one poll job per active salon whose turn it is (functions/jobs/bookings, `pollSalonRecords`). Up to
 * POLL_BUDGET_PER_MINUTE salons every salon is polled every minute; beyond that the salons are split into N groups
 * by id and each group is polled every N minutes, so the poll never outruns YClients' rate limit. Webhooks carry the
 * changes in between; the poll is the safety net. The deduplication id carries the minute, so a cron fired twice in
 * a minute polls each salon once.
 */
export async function run(s: Services) {
  const salons = await bookingsStore.pollSalons(s.db);
  const minute = Math.floor(s.clock.now().getTime() / 60_000);
  const groups = Math.max(1, Math.ceil(salons.length / POLL_BUDGET_PER_MINUTE));
  const due = salons.filter((salon) => salon.salon_id % groups === minute % groups);
  await Promise.all(
    due.map((salon) =>
      publishJob(s.dispatcher, BOOKING_POLL, { salonId: salon.salon_id }, { key: minute }),
    ),
  );
  return { salons: salons.length, polled: due.length, everyMinutes: groups };
}

export const handler = cronHandler("booking-poll", run);
