/**
 * Per-salon notification settings: `salons.settings.notifications` over these defaults. The SQL function
 * `notification_settings` merges them (it is what decisions read); this type says what the keys mean.
 */
export interface NotificationSettings {
  /** Seconds between a booking change and its notice; default BOOKING_CONFIRMATION_DELAY_SECONDS. */
  delaySec: number;
  bookingCreated: boolean;
  bookingChanged: boolean;
  bookingCancelled: boolean;
  reminderDayBefore: boolean;
  /** The evening-before window in the salon's local time, "HH:MM", [from, to). */
  dayBeforeFrom: string;
  dayBeforeTo: string;
  reminderHoursBefore: boolean;
  /** How long before the visit the second reminder goes (about; the cron runs every 5 minutes). */
  hoursBefore: number;
  /** How long after a reminder a reply counts as answering it (never past the visit). */
  replyWindowHours: number;
}

