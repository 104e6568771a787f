/**
 * The ONE decision point for YClients record changes. Every path that learns about a record calls it: the entity
 * webhook, the per-salon poll (lib/bookings/poll.ts), the sync, the send job's re-read, and the assistant after its
 * own writes.
 *
 * Public API:
 * - `processRecordUpdates(services, salonId, rawRecords, { source })`: normalises the raw YClients records
 *   (`YcRecord`, as `GET /records`, `GET /record` or a record webhook's `data` carry them) and hands them to the SQL
 *   function `records_apply`, which compares each with the last seen state under a row lock, stores it, and in the
 *   same transaction inserts the notification rows the change calls for (unique per salon, record, kind and
 *   occasion). Then it publishes one delayed send job per new row. Same change seen twice (webhook + poll, two
 *   polls, a redelivered job) = one row = one message. Returns what changed and which notifications were decided.
 *   For a webhook with `status: "delete"`, pass the record with `deleted: true` (its `data` may not say so).
 *   source: "sync" | "poll" | "webhook" decide notices; "assistant" only stores.
 * - `processRecordDeleted(services, salonId, recordId)`: YClients says the record is gone (404 on re-read) but not
 *   what it was: the stored copy is applied as deleted. `processRecordUpdates` does the same for a record marked
 *   `deleted: true` that carries nothing readable (a delete webhook's `data` may be empty).
 * - `markRecordsGone(services, salonId, { from, to, seenRecordIds })`: after a COMPLETE listing of visits starting
 *   in [from, to), records of that window we hold that the listing did not return are treated as deleted (a
 *   cancellation notice if the client was told about them). Call it only when every page was read.
 * - `noteRecordCreatedByAssistant(services, salonId, record)`: the assistant created this record (pass the record
 *   YClients returned): stored as ours, so no "new booking" confirmation goes out, even if a webhook got here first
 *   (the confirmation's claim re-checks). Setting `api_id` to start with `ASSISTANT_API_ID_PREFIX` ("ai-admin")
 *   on createRecord marks it too, in case the note is lost.
 * - `noteRecordChangedByAssistant(services, salonId, record)`: the assistant moved or cancelled this record at the
 *   client's request: the new state is stored silently (and any change notice still waiting is skipped), so the
 *   webhook that follows finds nothing new to tell.
 *
 * Rules decided in SQL (records_apply): a "new booking" confirmation for a record new to us, created under 30 min
 * ago, in the future, with a client phone, not ours, for an active salon, due after the salon's delay
 * (BOOKING_CONFIRMATION_DELAY_SECONDS by default); change notices for time, master or services (as a set); a
 * cancellation for deleted or attendance −1; attendance 1 or 2 alone changes nothing.
 */
import type { Services } from "../services.js";
import type { YcRecord } from "../yclients/types.js";
import { publishNotificationSends } from "../jobs/catalogue.js";
import { normaliseRecord, type NormalisedRecord } from "./normalise.js";
import { bookingsStore, type ApplyResult, type RecordSource } from "./store.js";

export { ASSISTANT_API_ID_PREFIX } from "./normalise.js";

export interface ProcessOptions {
  source: RecordSource;
}

export async function processRecordUpdates(
  s: Services,
  salonId: number,
  rawRecords: YcRecord[],
  opts: ProcessOptions,
): Promise<ApplyResult> {
  if (rawRecords.length === 0) return { results: [], notifications: [] };
  const salon = await bookingsStore.salon(s.db, salonId);
  if (!salon) return { results: [], notifications: [], salon: "unknown" };
  const normalised: NormalisedRecord[] = [];
  const deletedUnread: number[] = [];
  for (const raw of rawRecords) {
    if (raw.company_id !== undefined && raw.company_id !== null && Number(raw.company_id) !== salonId) {
      // A record of another salon must never be stored under this one.
      s.log.warn({ salonId, recordId: raw.id, companyId: raw.company_id }, "record of another salon ignored");
      continue;
    }
    try {
      normalised.push(normaliseRecord(raw, salon.timezone, salon.country));
    } catch (err) {
      // A deletion whose body says nothing else (a delete webhook may carry no record) still deletes what we hold.
      if (raw.deleted === true && Number.isSafeInteger(Number(raw.id)) && Number(raw.id) > 0) deletedUnread.push(Number(raw.id));
      else s.log.warn({ salonId, recordId: raw.id, err }, "unreadable record ignored");
    }
  }
  // Later copies of the same record in one batch win; records_apply would otherwise compare a record with itself.
  const byId = new Map(normalised.map((r) => [r.record_id, r]));
  const result = await bookingsStore.apply(
    s.db, salonId, [...byId.values()], opts.source, s.clock.now(), s.config.bookingConfirmationDelaySec,
  );
  await publishNotificationSends(s, salonId, result.notifications);
  for (const recordId of deletedUnread) {
    if (byId.has(recordId)) continue;
    const gone = await processRecordDeleted(s, salonId, recordId);
    result.results.push(...gone.results);
    result.notifications.push(...gone.notifications);
  }
  return result;
}

/**
 * YClients says the record is gone without saying what it was (a 404 on re-read, a delete webhook with no record):
 * the copy we hold is applied as deleted, with the same decisions as any deletion, and their sends are published.
 */
export async function processRecordDeleted(s: Services, salonId: number, recordId: number): Promise<ApplyResult> {
  const result = await bookingsStore.markDeleted(s.db, salonId, recordId, s.clock.now(), s.config.bookingConfirmationDelaySec);
  await publishNotificationSends(s, salonId, result.notifications);
  return result;
}

export async function markRecordsGone(
  s: Services,
  salonId: number,
  window: { from: Date; to: Date; seenRecordIds: number[] },
): Promise<ApplyResult> {
  const result = await bookingsStore.markGone(
    s.db, salonId, window.from, window.to, window.seenRecordIds, s.clock.now(), s.config.bookingConfirmationDelaySec,
  );
  await publishNotificationSends(s, salonId, result.notifications);
  return result;
}

export async function noteRecordCreatedByAssistant(s: Services, salonId: number, record: YcRecord): Promise<void> {
  const salon = await bookingsStore.salon(s.db, salonId);
  if (!salon) return;
  await bookingsStore.apply(
    s.db, salonId, [{ ...normaliseRecord(record, salon.timezone, salon.country), ours: true }], "assistant", s.clock.now(),
    s.config.bookingConfirmationDelaySec,
  );
}

export async function noteRecordChangedByAssistant(s: Services, salonId: number, record: YcRecord): Promise<void> {
  await processRecordUpdates(s, salonId, [record], { source: "assistant" });
}
