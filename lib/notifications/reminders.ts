/**
 * The reminder tick (every 5 minutes): decides the reminders due now in every active salon's own time zone (SQL
 * `reminders_plan`; a row per record, kind and visit time, so repeated ticks decide each once) and publishes their
 * send jobs, a salon's reminders REMINDER_SPACING_SEC apart. It also sweeps notification rows nobody is working on (a publish lost after its decision, a crash
 * mid-send, a job whose deliveries ran out) and publishes them again; the claim keeps that from sending twice.
 *
 * Public API: `runReminderTick(services)` → `{ reminders, swept }`.
 */
import type { Services } from "../services.js";
import { publishNotificationSends } from "../jobs/catalogue.js";
import { CLAIM_LEASE_SEC } from "./send.js";
import { notificationsStore } from "./store.js";

export async function runReminderTick(s: Services): Promise<{ reminders: number; swept: number }> {
  const now = s.clock.now();
  const planned = await notificationsStore.planReminders(s.db, now, s.config.bookingConfirmationDelaySec);
  const due = now.toISOString();
  const bySalon = new Map<number, Array<{ id: number; due_at: string }>>();
  for (const p of planned) {
    const list = bySalon.get(p.salon_id) ?? [];
    list.push({ id: p.id, due_at: p.due_at });
    bySalon.set(p.salon_id, list);
  }
  await Promise.all([...bySalon].map(([salonId, notes]) => publishNotificationSends(s, salonId, notes)));

  const stuck = await notificationsStore.stuck(s.db, now, CLAIM_LEASE_SEC);
  const minute = Math.floor(now.getTime() / 60_000);
  await Promise.all(
    stuck.map((n) => publishNotificationSends(s, n.salon_id, [{ id: n.id, due_at: due }], `sweep${minute}`)),
  );
  return { reminders: planned.length, swept: stuck.length };
}
