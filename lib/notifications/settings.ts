/**
 * Per-salon notification settings: `salons.settings.notifications` over the defaults of the SQL function
 * `notification_settings` (the one place they are written; it is what decisions read); this type says what the keys
 * mean.
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
  /** Quiet hours, "HH:MM" [from, to) in the salon's time: nothing proactive leaves then (SQL `notification_claim`). */
  quietHours: boolean;
  quietFrom: string;
  quietTo: string;
  /**
   * Who sends booking texts (confirmations, change and cancellation notices, reminders): "ai_admin" (default) or
   * "yclients", when the owner prefers YClients' own notifications through our channel (lib/channel/); with
   * "yclients" ours are off, so no client gets both.
   */
  bookingTexts: "ai_admin" | "yclients";
}
