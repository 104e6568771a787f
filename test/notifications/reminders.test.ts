import { afterEach, describe, expect, it } from "vitest";
import { processRecordUpdates } from "../../lib/bookings/process-records.js";
import { GatewayError } from "../../lib/gateway/client.js";
import type { MessageReceived } from "../../lib/contract/events.js";
import { handleReminderReply } from "../../lib/notifications/reminder-reply.js";
import { runReminderTick } from "../../lib/notifications/reminders.js";
import { notificationSettingsStore, notificationsStore } from "../../lib/notifications/store.js";
import { freezeSalon } from "../../lib/salons/store.js";
import type { YcRecord } from "../../lib/yclients/types.js";
import { nextSalonId } from "../support/harness.js";
import { useBookingsWorld } from "../bookings/world.js";

const w = useBookingsWorld("2026-11-23T07:00:00Z");
afterEach(() => {
  w.gateway.clearScript();
});

let phoneSeq = 0;
const newPhone = () => `7913${String(process.pid % 1000).padStart(3, "0")}${String(++phoneSeq).padStart(4, "0")}`;

/** Records booked yesterday, known to us through the sync: no confirmation, only reminders. */
async function booked(salonId: number, visits: Array<{ phone: string; at: string; attendance?: number }>): Promise<YcRecord[]> {
  const recs = visits.map((v) =>
    w.sandbox.addRecord(salonId, { datetime: v.at, clientPhone: `+${v.phone}`, clientName: "Мария Иванова", attendance: v.attendance }),
  );
  const backdated = recs.map((r) => ({ ...r, create_date: "2026-11-22T10:00:00+0300" }));
  const applied = await processRecordUpdates(w.services, salonId, backdated, { source: "sync" });
  expect(applied.notifications).toHaveLength(0);
  return recs;
}

async function tickAt(iso: string): Promise<void> {
  w.clock.set(iso);
  await runReminderTick(w.services);
  await w.drain();
}

const firstLines = (phone: string) => w.gateway.to(phone).map((m) => m.text.split("\n")[0]);

function inbound(salonId: number, phone: string, text: string, extra: Partial<MessageReceived> = {}): MessageReceived {
  return {
    type: "message.received", salonId, messageId: `in-${Math.random().toString(36).slice(2)}`,
    from: { phone, jid: `${phone}@s.whatsapp.net`, altJid: null }, pushName: null,
    timestamp: w.clock.now().toISOString(), kind: "text", text, refMessageId: null, ...extra,
  };
}

describe("reminders", () => {
  let moscow: number;
  let vladivostok: number;
  const mPhone = newPhone();
  const vPhone = newPhone();
  const cancelledPhone = newPhone();
  const cameTodayPhone = newPhone();

  it("go the evening before in each salon's own time zone, once", async () => {
    moscow = nextSalonId();
    vladivostok = nextSalonId();
    await w.activeSalon(moscow, { timezone: "Europe/Moscow", address: "Москва, Тверская, 1" });
    await w.activeSalon(vladivostok, { timezone: "Asia/Vladivostok", address: "Владивосток, Светланская, 10" });
    await booked(moscow, [
      { phone: mPhone, at: "2026-11-24 10:00:00" },
      { phone: cancelledPhone, at: "2026-11-24 11:00:00", attendance: -1 },
      // Came today already: tomorrow's visit is not reminded.
      { phone: cameTodayPhone, at: "2026-11-23 09:00:00", attendance: 1 },
      { phone: cameTodayPhone, at: "2026-11-24 12:00:00" },
    ]);
    await booked(vladivostok, [{ phone: vPhone, at: "2026-11-24 10:00:00" }]);

    // 09:00Z: 19:00 in Vladivostok, 12:00 in Moscow.
    await tickAt("2026-11-23T09:00:00Z");
    await tickAt("2026-11-23T09:05:00Z");
    expect(w.gateway.to(vPhone)).toHaveLength(1);
    expect(w.gateway.to(vPhone)[0]!.text).toMatch(/завтра в 10:00/i);
    expect(w.gateway.to(vPhone)[0]!.text).toMatch(/^(Добрый вечер|Мария, добрый вечер)/);
    expect(w.gateway.to(vPhone)[0]!.text).toContain("Владивосток, Светланская, 10");
    expect(w.gateway.to(mPhone)).toHaveLength(0);

    // 16:10Z: 19:10 in Moscow; 02:10 tomorrow in Vladivostok (its visit is today there now: no second day-before).
    await tickAt("2026-11-23T16:10:00Z");
    await tickAt("2026-11-23T17:50:00Z");
    expect(w.gateway.to(mPhone)).toHaveLength(1);
    expect(w.gateway.to(mPhone)[0]!.text).toMatch(/завтра в 10:00/i);
    expect(w.gateway.to(vPhone)).toHaveLength(1);
    expect(w.gateway.to(cancelledPhone)).toHaveLength(0);
    expect(w.gateway.to(cameTodayPhone)).toHaveLength(0);
  });

  it("skip the evening before for a visit booked this evening: its confirmation has just said it", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId, { timezone: "Europe/Moscow", address: "Москва, Тверская, 1" });
    const earlier = newPhone();
    const tonight = newPhone();
    await booked(salonId, [{ phone: earlier, at: "2026-11-25 10:00:00" }]);
    // Booked at 18:40 Moscow on the 24th, for the 25th: confirmed, and the evening window opens 20 minutes later.
    w.clock.set("2026-11-24T15:40:00Z");
    const fresh = w.sandbox.addRecord(salonId, { datetime: "2026-11-25 11:00:00", clientPhone: `+${tonight}`, clientName: "Ольга" });
    await processRecordUpdates(w.services, salonId, [fresh], { source: "webhook" });
    w.clock.set("2026-11-24T15:45:00Z");
    await w.drain();

    await tickAt("2026-11-24T16:10:00Z");
    await tickAt("2026-11-24T17:30:00Z");
    expect(w.gateway.to(earlier)).toHaveLength(1);
    const kinds = (await notificationsStore.forRecord(w.db.db, salonId, fresh.id)).map((n) => [n.kind, n.status]);
    expect(kinds).toEqual([["booking_created", "sent"]]);
    expect(w.gateway.to(tonight)).toHaveLength(1);
  });

  it("go about two hours before, once, and not to a client who already came or cancelled", async () => {
    // 10:00 Moscow = 07:00Z; ticks every 5 minutes from 04:00Z.
    for (let m = 0; m <= 180; m += 5) {
      await tickAt(new Date(Date.parse("2026-11-24T04:00:00Z") + m * 60_000).toISOString());
    }
    expect(firstLines(mPhone)).toHaveLength(2);
    const two = w.gateway.to(mPhone)[1]!;
    expect(two.text).toMatch(/сегодня в 10:00/);
    const sentAt = (await notificationsStore.forRecord(w.db.db, moscow, (await reminderRow(moscow, mPhone)).record_id))
      .find((n) => n.kind === "reminder_hours_before")!.sent_at!;
    const before = Date.parse("2026-11-24T07:00:00Z") - Date.parse(sentAt);
    expect(before).toBeGreaterThanOrEqual(90 * 60_000);
    expect(before).toBeLessThanOrEqual(130 * 60_000);
    expect(w.gateway.to(cancelledPhone)).toHaveLength(0);
  });

  it("follow the salon's settings and skip a salon frozen while the reminder waits", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId, { timezone: "Asia/Yekaterinburg" });
    await notificationSettingsStore.update(w.db.db, salonId, { dayBeforeFrom: "10:00", dayBeforeTo: "12:00", reminderHoursBefore: false }, 30);
    const phone = newPhone();
    const frozenPhone = newPhone();
    await booked(salonId, [{ phone, at: "2026-11-26 15:00:00" }]);
    // 05:30Z = 10:30 in Yekaterinburg.
    await tickAt("2026-11-25T05:30:00Z");
    expect(w.gateway.to(phone)).toHaveLength(1);
    expect(w.gateway.to(phone)[0]!.text).toMatch(/^(Доброе утро|Мария, доброе утро)/);
    for (let m = 0; m <= 60; m += 5) await tickAt(new Date(Date.parse("2026-11-26T07:30:00Z") + m * 60_000).toISOString());
    expect(w.gateway.to(phone)).toHaveLength(1);

    const other = nextSalonId();
    await w.activeSalon(other);
    await booked(other, [{ phone: frozenPhone, at: "2026-11-28 12:00:00" }]);
    w.clock.set("2026-11-27T16:00:00Z");
    await runReminderTick(w.services);
    await freezeSalon(w.db.db, w.clock, other, "frozen by YClients");
    await w.drain();
    expect(w.gateway.to(frozenPhone)).toHaveLength(0);
    const rows = await notificationsStore.forRecord(w.db.db, other, (await reminderRow(other, frozenPhone)).record_id);
    expect(rows.map((r) => [r.kind, r.status, r.reason])).toEqual([["reminder_day_before", "skipped", "salon_frozen"]]);
  });

  it("leave one salon spaced out, not in a burst", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId);
    const phones = [newPhone(), newPhone(), newPhone()];
    await booked(salonId, phones.map((phone, i) => ({ phone, at: `2026-12-03 1${i}:00:00` })));
    await tickAt("2026-12-02T16:00:00Z");
    expect(phones.map((p) => w.gateway.to(p).length)).toEqual([1, 0, 0]);
    await w.after(15);
    expect(phones.map((p) => w.gateway.to(p).length)).toEqual([1, 1, 0]);
    await w.after(15);
    expect(phones.map((p) => w.gateway.to(p).length)).toEqual([1, 1, 1]);
  });

  async function reminderRow(salonId: number, phone: string) {
    const rec = w.sandbox.wireRecords(salonId).find((r) => r.client?.phone === `+${phone}` && !r.deleted)!;
    return { record_id: rec.id };
  }

  describe("replies", () => {
    let salonId: number;
    let phone: string;
    let recordId: number;

    it("a confirmation sets attendance 2 in YClients and is thanked once", async () => {
      salonId = nextSalonId();
      phone = newPhone();
      await w.activeSalon(salonId);
      const [rec] = await booked(salonId, [{ phone, at: "2026-11-29 12:00:00" }]);
      recordId = rec!.id;
      await tickAt("2026-11-28T16:00:00Z");
      expect(w.gateway.to(phone)).toHaveLength(1);

      w.clock.advance(20 * 60_000);
      expect(await handleReminderReply(w.services, inbound(salonId, phone, "Да, приду!"))).toEqual({ handled: true });
      expect((await w.services.yclients.getRecord(salonId, recordId)).attendance).toBe(2);
      expect(w.gateway.to(phone)).toHaveLength(2);
      expect(w.gateway.to(phone)[1]!.text).toBe("❤️ Спасибо, что подтвердили! Ждём вас завтра в 12:00.");

      expect(await handleReminderReply(w.services, inbound(salonId, phone, "👍"))).toEqual({ handled: true });
      const reminderId = w.gateway.to(phone)[0]!.messageId;
      const reaction = inbound(salonId, phone, "❤️", { kind: "reaction", refMessageId: reminderId });
      expect(await handleReminderReply(w.services, reaction)).toEqual({ handled: true });
      expect(w.gateway.to(phone)).toHaveLength(2);
    });

    it("a thanks WhatsApp refuses (463) ends the reply instead of failing it for a redelivery that cannot succeed", async () => {
      const other = nextSalonId();
      const client = newPhone();
      await w.activeSalon(other);
      await booked(other, [{ phone: client, at: "2026-11-29 15:00:00" }]);
      await tickAt("2026-11-28T16:00:00Z");
      expect(w.gateway.to(client)).toHaveLength(1);
      w.clock.advance(10 * 60_000);
      w.gateway.failNext(new GatewayError(422, "restricted_463", "WhatsApp refused the message (463)"));
      expect(await handleReminderReply(w.services, inbound(other, client, "да"))).toEqual({ handled: true });
      expect(w.gateway.to(client)).toHaveLength(1);
    });

    it("a refusal or a wish to move goes to the assistant with the reminder in context", async () => {
      const result = await handleReminderReply(w.services, inbound(salonId, phone, "не смогу, можно перенести на вечер?"));
      expect(result.handled).toBe(false);
      expect(result).toHaveProperty("context");
      const context = (result as { context: string }).context;
      expect(context).toContain("напоминание");
      expect(context).toContain("29 ноября в 12:00");
      expect(context).toContain(String(recordId));
      expect(w.gateway.to(phone)).toHaveLength(2);
    });

    it("nothing to do without an open reminder: another client, an unrelated reaction, after the visit", async () => {
      expect(await handleReminderReply(w.services, inbound(salonId, newPhone(), "да"))).toEqual({ handled: false });
      const stray = inbound(salonId, phone, "👍", { kind: "reaction", refMessageId: "some-other-message" });
      expect(await handleReminderReply(w.services, stray)).toEqual({ handled: false });
      w.clock.set("2026-11-29T10:00:00Z");
      expect(await handleReminderReply(w.services, inbound(salonId, phone, "да"))).toEqual({ handled: false });
    });
  });
});
