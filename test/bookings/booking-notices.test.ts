import { afterEach, describe, expect, it } from "vitest";
import { markRecordsGone, noteRecordCreatedByAssistant, processRecordUpdates } from "../../lib/bookings/process-records.js";
import { pollSalonRecords } from "../../lib/bookings/poll.js";
import { SEND_NOTIFICATION, SEND_RETRIES } from "../../lib/jobs/catalogue.js";
import { run as runBookingPoll } from "../../functions/crons/booking-poll.js";
import { runReminderTick } from "../../lib/notifications/reminders.js";
import { notificationsStore } from "../../lib/notifications/store.js";
import { freezeSalon, listMarketplaceEvents } from "../../lib/salons/store.js";
import type { YcRecord } from "../../lib/yclients/types.js";
import { nextSalonId } from "../support/harness.js";
import { recordWebhook, restricted, sessionDown, useBookingsWorld, type World } from "./world.js";

// 12:00 in Moscow.
const w = useBookingsWorld("2026-11-23T09:00:00Z");
afterEach(() => {
  w.gateway.clearScript();
  w.useRecordingGateway();
});

let phoneSeq = 0;
const newPhone = () => `7912${String(process.pid % 1000).padStart(3, "0")}${String(++phoneSeq).padStart(4, "0")}`;

async function webhook(salonId: number, status: "create" | "update" | "delete", record: YcRecord): Promise<void> {
  expect((await recordWebhook(w, salonId, status, record)).status).toBe(200);
}

function book(salonId: number, phone: string, datetime = "2026-11-24 15:00:00", extra: { staffId?: number; serviceIds?: number[] } = {}) {
  return w.sandbox.addRecord(salonId, { datetime, clientPhone: `+${phone}`, clientName: "Анна", ...extra });
}

/** A new active salon's client booked in YClients, and the webhook saying so delivered. */
async function bookedByWebhook(datetime?: string) {
  const salonId = nextSalonId();
  await w.activeSalon(salonId);
  const phone = newPhone();
  const rec = book(salonId, phone, datetime);
  await webhook(salonId, "create", rec);
  return { salonId, phone, rec };
}

/** The same, once the confirmation went out. */
async function confirmedBooking(datetime: string) {
  const booked = await bookedByWebhook(datetime);
  await w.after(31);
  return booked;
}

async function rows(salonId: number, recordId: number) {
  return notificationsStore.forRecord(w.db.db, salonId, recordId);
}

describe("new booking confirmation", () => {
  it("goes out once, after the delay, with what the record says then", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId, { address: "ул. Ленина, 5" });
    const phone = newPhone();
    const rec = book(salonId, phone);
    await webhook(salonId, "create", rec);
    await w.drain();
    expect(w.gateway.to(phone)).toHaveLength(0);

    // The administrator corrects the time within the delay.
    w.clock.advance(10_000);
    await webhook(salonId, "update", w.sandbox.changeRecord(salonId, rec.id, { datetime: "2026-11-24 16:30:00" }));
    await w.after(25);

    const sent = w.gateway.to(phone);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.text).toContain("24 ноября в 16:30");
    expect(sent[0]!.text).toContain("ул. Ленина, 5");
    expect(sent[0]!.text).not.toContain("15:00");
    expect((await rows(salonId, rec.id)).map((r) => [r.kind, r.status])).toEqual([["booking_created", "sent"]]);

    await pollSalonRecords(w.services, salonId);
    await w.after(60);
    expect(w.gateway.to(phone)).toHaveLength(1);
  });

  it("reaches a booking no webhook announced through the per-minute poll, and frozen salons are not polled", async () => {
    const salonId = nextSalonId();
    const frozen = nextSalonId();
    await w.activeSalon(salonId);
    await w.activeSalon(frozen);
    await freezeSalon(w.db.db, w.clock, frozen, "frozen");
    const phone = newPhone();
    const frozenPhone = newPhone();
    book(salonId, phone);
    book(frozen, frozenPhone);
    const before = w.sandbox.requests.filter((r) => r.salonId === frozen).length;
    const fanned = (await runBookingPoll(w.services)) as { salons: number };
    expect(fanned.salons).toBeGreaterThan(0);
    await w.after(31);
    expect(w.gateway.to(phone)).toHaveLength(1);
    expect(w.gateway.to(frozenPhone)).toHaveLength(0);
    expect(w.sandbox.requests.filter((r) => r.salonId === frozen).length).toBe(before);
  });

  it("is not sent when the record was deleted during the delay (even without a webhook)", async () => {
    const { salonId, phone, rec } = await bookedByWebhook();
    w.sandbox.deleteRecord(salonId, rec.id);
    await w.after(31);
    expect(w.gateway.to(phone)).toHaveLength(0);
    const r = await rows(salonId, rec.id);
    expect(r.map((x) => [x.kind, x.status, x.reason])).toEqual([["booking_created", "skipped", "cancelled_before_send"]]);
  });

  it("is not sent for the assistant's own booking, old bookings, past visits, no phone, or a frozen salon", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId);
    const salon = w.sandbox.salon(salonId);

    // The assistant books through the API; the webhook beats the assistant's note.
    const staff = salon.staff.find((s) => s.services_links?.length)!;
    const ours = await w.services.yclients.createRecord(salonId, {
      staff_id: staff.id, services: [{ id: staff.services_links![0]!.service_id }],
      client: { phone: `+${newPhone()}`, name: "Олег" }, datetime: "2026-11-25T12:00:00+03:00", seance_length: 3600,
      save_if_busy: true, send_sms: false,
    });
    await webhook(salonId, "create", ours);
    await w.drain();
    await noteRecordCreatedByAssistant(w.services, salonId, ours);

    // Created an hour ago, first seen now; a visit in the past; a record without a client.
    const oldPhone = newPhone();
    const old = book(salonId, oldPhone);
    w.clock.advance(3600_000);
    await webhook(salonId, "update", w.sandbox.changeRecord(salonId, old.id, { comment: "оплата картой" }));
    const pastPhone = newPhone();
    const past = book(salonId, pastPhone, "2026-11-23 09:00:00");
    await webhook(salonId, "create", past);
    const noClient = { ...book(salonId, newPhone()), client: null } as YcRecord;
    const applied = await processRecordUpdates(w.services, salonId, [noClient], { source: "webhook" });
    expect(applied.notifications).toHaveLength(0);

    await w.after(31);
    expect(w.gateway.sent.filter((m) => m.salonId === salonId)).toHaveLength(0);
    expect((await rows(salonId, ours.id)).map((r) => r.reason)).toEqual(["created_by_assistant"]);

    // Frozen while the confirmation waits.
    const frozenPhone = newPhone();
    const rec = book(salonId, frozenPhone);
    await webhook(salonId, "create", rec);
    await w.drain();
    await freezeSalon(w.db.db, w.clock, salonId, "payment overdue");
    await w.after(31);
    expect(w.gateway.to(frozenPhone)).toHaveLength(0);
    expect((await rows(salonId, rec.id)).map((r) => r.reason)).toEqual(["salon_frozen"]);
  });
});

describe("change and cancellation notices", () => {
  it("tells about time, master and services (as a set), ignores attendance 1/2 and order, cancels on −1", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId);
    const salon = w.sandbox.salon(salonId);
    const staff = salon.staff.filter((s) => (s.services_links?.length ?? 0) >= 2);
    const [a, b] = [staff[0]!, staff[1] ?? salon.staff.find((s) => s.id !== staff[0]!.id)!];
    const services = a.services_links!.slice(0, 2).map((l) => l.service_id);
    const phone = newPhone();
    const rec = book(salonId, phone, "2026-11-26 11:00:00", { staffId: a.id, serviceIds: services });
    await webhook(salonId, "create", rec);
    await w.after(31);
    expect(w.gateway.to(phone)).toHaveLength(1);

    const change = async (patch: Parameters<World["sandbox"]["changeRecord"]>[2]) => {
      await webhook(salonId, "update", w.sandbox.changeRecord(salonId, rec.id, patch));
      await w.after(31);
    };
    await change({ serviceIds: [...services].reverse() });
    await change({ attendance: 2 });
    expect(w.gateway.to(phone)).toHaveLength(1);

    await change({ datetime: "2026-11-26 13:00:00" });
    expect(w.gateway.to(phone)).toHaveLength(2);
    expect(w.gateway.to(phone)[1]!.text).toMatch(/Время: 26 ноября в 11:00 → 26 ноября в 13:00/);

    await change({ staffId: b.id });
    expect(w.gateway.to(phone)[2]!.text).toContain(`Мастер: ${a.name} → ${b.name}`);

    await change({ serviceIds: [services[0]!] });
    expect(w.gateway.to(phone)[3]!.text).toContain("Услуги:");

    await change({ attendance: 1 });
    expect(w.gateway.to(phone)).toHaveLength(4);
    await change({ attendance: -1 });
    expect(w.gateway.to(phone)).toHaveLength(5);
    expect(w.gateway.to(phone)[4]!.text).toContain("Ваша запись отменена");
    expect(w.gateway.to(phone)[4]!.text).toContain("26 ноября в 13:00");

    await pollSalonRecords(w.services, salonId);
    await w.after(60);
    expect(w.gateway.to(phone)).toHaveLength(5);
  });

  it("coalesces quick edits into one notice, and says nothing when an edit is undone before it leaves", async () => {
    const { salonId, phone, rec } = await confirmedBooking("2026-11-27 10:00:00");

    await webhook(salonId, "update", w.sandbox.changeRecord(salonId, rec.id, { datetime: "2026-11-27 12:00:00" }));
    w.clock.advance(5_000);
    await webhook(salonId, "update", w.sandbox.changeRecord(salonId, rec.id, { datetime: "2026-11-27 14:00:00" }));
    await w.after(31);
    expect(w.gateway.to(phone)).toHaveLength(2);
    expect(w.gateway.to(phone)[1]!.text).toContain("27 ноября в 10:00 → 27 ноября в 14:00");

    await webhook(salonId, "update", w.sandbox.changeRecord(salonId, rec.id, { datetime: "2026-11-27 15:00:00" }));
    await webhook(salonId, "update", w.sandbox.changeRecord(salonId, rec.id, { datetime: "2026-11-27 14:00:00" }));
    await w.after(31);
    expect(w.gateway.to(phone)).toHaveLength(2);
  });

  it("treats a record missing from a complete listing as deleted, and a deletion seen only by the poll", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId);
    const phone = newPhone();
    const phone2 = newPhone();
    const rec = book(salonId, phone, "2026-11-28 10:00:00");
    const rec2 = book(salonId, phone2, "2026-11-28 12:00:00");
    await pollSalonRecords(w.services, salonId);
    await w.after(31);
    expect(w.gateway.to(phone)).toHaveLength(1);
    expect(w.gateway.to(phone2)).toHaveLength(1);

    w.sandbox.vanishRecord(salonId, rec.id);
    await markRecordsGone(w.services, salonId, {
      from: new Date("2026-11-28T00:00:00+03:00"), to: new Date("2026-11-29T00:00:00+03:00"), seenRecordIds: [rec2.id],
    });
    w.sandbox.deleteRecord(salonId, rec2.id);
    w.clock.advance(60_000);
    await pollSalonRecords(w.services, salonId);
    await w.after(31);
    expect(w.gateway.to(phone).map((m) => m.text.split("\n")[0])).toEqual(["✅ Ваша запись создана!", "❌ Ваша запись отменена"]);
    expect(w.gateway.to(phone2)[1]!.text).toContain("❌ Ваша запись отменена");
  });

  it("cancels on a delete webhook that carries no record", async () => {
    const { salonId, phone, rec } = await confirmedBooking("2026-11-27 11:00:00");
    w.sandbox.deleteRecord(salonId, rec.id);
    // YClients documents nothing about a delete's `data`; PHP sends an empty one as [].
    expect((await recordWebhook(w, salonId, "delete", rec, [])).status).toBe(200);
    await w.after(31);
    expect(w.gateway.to(phone).map((m) => m.text.split("\n")[0])).toEqual(["✅ Ваша запись создана!", "❌ Ваша запись отменена"]);
  });

  it("a change notice whose record vanished before it left becomes a cancellation, sent after the delay", async () => {
    const { salonId, phone, rec } = await confirmedBooking("2026-11-27 14:00:00");
    await webhook(salonId, "update", w.sandbox.changeRecord(salonId, rec.id, { datetime: "2026-11-27 16:00:00" }));
    w.sandbox.vanishRecord(salonId, rec.id);
    // The change notice re-reads the record, gets 404, and the deletion decides a cancellation; no sweep runs here.
    await w.after(31);
    await w.after(31);
    expect(w.gateway.to(phone).map((m) => m.text.split("\n")[0])).toEqual(["✅ Ваша запись создана!", "❌ Ваша запись отменена"]);
  });
});

describe("exactly once", () => {
  // On a real PostgreSQL these callers truly run at once (PGlite takes them one at a time).
  it("a webhook, two pollers and redelivered jobs racing on the same records send one message per change", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId);
    // The real gateway (emulator transport): the messages counted are the ones the salon's WhatsApp sent.
    const whatsapp = await w.useEmulator(salonId);
    const to = (phone: string) => whatsapp.outbox().filter((m) => m.to.replace(/\D/g, "").startsWith(phone));
    const phones: string[] = [];
    const recs: YcRecord[] = [];
    for (let i = 0; i < 12; i++) {
      const phone = newPhone();
      phones.push(phone);
      recs.push(book(salonId, phone, `2026-11-30 ${String(9 + (i % 10)).padStart(2, "0")}:${i < 10 ? "00" : "30"}:00`));
    }
    const race = (status: "create" | "update", r: YcRecord) =>
      Promise.all([
        webhook(salonId, status, r),
        pollSalonRecords(w.services, salonId),
        processRecordUpdates(w.services, salonId, [r], { source: "webhook" }),
        pollSalonRecords(w.services, salonId),
        w.drain(),
      ]);
    await Promise.all(recs.map((r) => race("create", r)));
    await w.after(31);
    // Redeliver every send job once more, as QStash may.
    for (const r of recs) {
      for (const n of await rows(salonId, r.id)) {
        const res = await w.services.dispatcher.publish({
          path: SEND_NOTIFICATION.path, body: { salonId, notificationId: n.id }, deduplicationId: `redeliver:${n.id}`,
        });
        expect(res.deduplicated).toBe(false);
      }
    }
    await w.drain();
    for (const p of phones) expect(to(p)).toHaveLength(1);

    const moved = recs.map((r) => w.sandbox.changeRecord(salonId, r.id, { datetime: "2026-12-01 10:00:00" }));
    w.clock.advance(1000);
    await Promise.all(moved.map((r) => race("update", r)));
    await w.after(31);
    await Promise.all(recs.map(() => pollSalonRecords(w.services, salonId)));
    await w.after(31);
    for (const p of phones) {
      expect(to(p).map((m) => m.text.split("\n")[0])).toEqual(["✅ Ваша запись создана!", "✏️ Ваша запись изменена"]);
    }
    expect(whatsapp.outbox()).toHaveLength(phones.length * 2);
  });

  it("retries a gateway that is down on the same row, and ends failed after the retries", async () => {
    const { salonId, phone, rec } = await bookedByWebhook();
    w.gateway.failNext(sessionDown(), sessionDown());
    await w.after(31);
    for (let i = 0; i < 5; i++) await w.after(10);
    expect(w.gateway.to(phone)).toHaveLength(1);
    const [row] = await rows(salonId, rec.id);
    expect(row).toMatchObject({ status: "sent", attempts: 3 });

    const phone2 = newPhone();
    const rec2 = book(salonId, phone2);
    await webhook(salonId, "create", rec2);
    w.gateway.failNext(...Array.from({ length: SEND_RETRIES + 5 }, sessionDown));
    await w.after(31);
    // The retries span a gateway restart or deploy (lib/dispatch SESSION_WAIT_RETRIES): about 20 minutes here.
    for (let i = 0; i < 30; i++) await w.after(60);
    const [row2] = await rows(salonId, rec2.id);
    expect(row2).toMatchObject({ status: "failed", attempts: SEND_RETRIES });
    expect(row2!.error).toContain("session_down");
    expect(w.gateway.to(phone2)).toHaveLength(0);
  });

  it("a 463 is not retried and is surfaced to the salon", async () => {
    const { salonId, phone, rec } = await bookedByWebhook();
    w.gateway.failNext(restricted());
    await w.after(31);
    for (let i = 0; i < 5; i++) await w.after(60);
    const [row] = await rows(salonId, rec.id);
    expect(row).toMatchObject({ status: "failed", attempts: 1 });
    const events = await listMarketplaceEvents(w.db.db, salonId);
    expect(events.map((e) => e.event)).toContain("whatsapp_restricted");
  });

  it("a restart mid-send (claimed, maybe sent, never recorded) ends with one message", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId);
    const whatsapp = await w.useEmulator(salonId);
    const phone = newPhone();
    const rec = book(salonId, phone);
    await webhook(salonId, "create", rec);
    await w.drain();
    const [row] = await rows(salonId, rec.id);

    // The process claims the row, the gateway sends, and the process dies before writing the outcome.
    w.clock.advance(31_000);
    const claim = await notificationsStore.claim(w.db.db, row!.id, w.clock.now(), 120, 30);
    expect(claim.action).toBe("send");
    await w.services.gateway.sendText(salonId, { to: phone, text: "…", idempotencyKey: `notification:${salonId}:${row!.id}` });
    // Its delayed job is delivered meanwhile and finds the row busy; after the lease the sweeper republishes it.
    await w.drain();
    expect((await rows(salonId, rec.id))[0]!.status).toBe("sending");
    w.clock.advance(200_000);
    await runReminderTick(w.services);
    await w.after(1);
    for (let i = 0; i < 4; i++) await w.after(130);
    expect(whatsapp.outbox()).toHaveLength(1);
    expect((await rows(salonId, rec.id))[0]!.status).toBe("sent");
  });
});
