/**
 * The booking API the test chat gives the assistant: reads (free times, dates, records) and `book_check` go to
 * YClients as usual, so the owner sees real answers; a booking is only checked (`bookRecord` runs `book_check` and
 * answers with CHECKED_ONLY_RECORD_ID), and cancel, move and edit are refused, so the test never touches the journal.
 */
import { YClientsError } from "../yclients/errors.js";
import type { BookingApi } from "../assistant/tools.js";

/** The "record" a checked-only booking answers with: no YClients record has a negative id. */
export const CHECKED_ONLY_RECORD_ID = -1;

const refuse = (salonId: number, method: string, path: string) =>
  Promise.reject(new YClientsError(403, "В тестовом чате записи в YClients не меняются.", null, method, path, salonId));

export function checkOnlyBookings(real: BookingApi): BookingApi {
  return {
    bookTimes: (...a) => real.bookTimes(...a),
    bookDates: (...a) => real.bookDates(...a),
    bookCheck: (...a) => real.bookCheck(...a),
    async bookRecord(salonId, body) {
      await real.bookCheck(salonId, body.appointments);
      return [{ id: body.appointments[0]?.id ?? 1, record_id: CHECKED_ONLY_RECORD_ID, record_hash: "" }];
    },
    getRecord: (salonId, recordId) =>
      recordId === CHECKED_ONLY_RECORD_ID ? refuse(salonId, "GET", "record") : real.getRecord(salonId, recordId),
    deleteRecord: (salonId) => refuse(salonId, "DELETE", "record"),
    rescheduleBookRecord: (salonId) => refuse(salonId, "PUT", "book_record"),
    updateRecord: (salonId) => refuse(salonId, "PUT", "record"),
  };
}
