import { bookingsStore } from "../../lib/bookings/store.js";
import { BOOKING_POLL_PATH, type BookingPollJob } from "../../lib/notifications/jobs.js";
import type { Services } from "../services.js";
import { cronHandler } from "./lambda.js";

/**
 * Every minute: one poll job per active salon (functions/jobs/bookings, `pollSalonRecords`). The deduplication id
 * carries the minute, so a cron fired twice in a minute polls each salon once.
 */
export async function run(s: Services) {
  const salons = await bookingsStore.pollSalons(s.db);
  const minute = Math.floor(s.clock.now().getTime() / 60_000);
  await Promise.all(
    salons.map((salon) =>
      s.dispatcher.publish({
        path: BOOKING_POLL_PATH,
        body: { salonId: salon.salon_id } satisfies BookingPollJob,
        deduplicationId: `booking-poll:${salon.salon_id}:${minute}`,
        retries: 1,
      }),
    ),
  );
  return { salons: salons.length };
}

export const handler = cronHandler("booking-poll", run);
