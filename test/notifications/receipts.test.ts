/**
 * Delivered and read: WhatsApp's receipts for a confirmation reach its notification once per state, however often
 * WhatsApp repeats them, and the salon's statistics count delivered, read and numbers not on WhatsApp.
 */
import { describe, expect, it } from "vitest";
import { notificationsStore } from "../../lib/notifications/store.js";
import { recordWebhook, useBookingsWorld } from "../bookings/world.js";
import { nextSalonId } from "../support/harness.js";

const w = useBookingsWorld("2026-11-23T09:00:00Z");

async function book(salonId: number, phone: string, time: string) {
  const record = w.sandbox.addRecord(salonId, { datetime: `2026-11-25 ${time}:00`, clientPhone: `+${phone}`, clientName: "Анна" });
  expect((await recordWebhook(w, salonId, "create", record)).status).toBe(200);
  return record.id;
}

/** Until the gateway's outbox has handed what it has to the dispatcher and the jobs ran. */
async function settle(done: () => Promise<boolean>) {
  for (let i = 0; i < 200 && !(await done()); i++) {
    await new Promise((r) => setTimeout(r, 20));
    await w.drain();
  }
}

describe("receipts", () => {
  it("a confirmation delivered and read is marked so once; one to a number not on WhatsApp is marked as such", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId);
    const wa = await w.useEmulator(salonId);
    wa.refuse("79125550999@s.whatsapp.net", "not_on_whatsapp");
    const read = await book(salonId, "79125550101", "12:00");
    const delivered = await book(salonId, "79125550102", "13:00");
    const lost = await book(salonId, "79125550999", "14:00");
    await w.after(31);
    const row = async (recordId: number) => (await notificationsStore.forRecord(w.db.db, salonId, recordId))[0]!;
    await settle(async () => wa.outbox().length === 2 && (await row(lost)).status === "failed");
    expect((await row(lost))).toMatchObject({ status: "failed", error: "not_on_whatsapp" });

    const idOf = (phone: string) => wa.outbox().find((m) => m.to === `${phone}@s.whatsapp.net`)!.id;
    wa.receipt(idOf("79125550101"), "delivered");
    wa.receipt(idOf("79125550101"), "delivered");
    wa.receipt(idOf("79125550102"), "delivered");
    await settle(async () => (await row(read)).delivered_at !== null && (await row(delivered)).delivered_at !== null);
    const first = (await row(read)).delivered_at;
    w.clock.advance(60_000);
    wa.receipt(idOf("79125550101"), "read");
    wa.receipt(idOf("79125550101"), "delivered");
    await settle(async () => (await row(read)).read_at !== null);

    expect(await row(read)).toMatchObject({ status: "sent", delivered_at: first });
    expect((await row(read)).read_at).not.toBeNull();
    expect(await row(delivered)).toMatchObject({ read_at: null });
    const stats = await notificationsStore.deliveryStats(w.db.db, salonId, new Date("2026-11-01T00:00:00Z"), new Date("2026-12-01T00:00:00Z"));
    expect(stats).toEqual({ sent: 2, delivered: 2, read: 1, not_on_whatsapp: 1, delivered_pct: 100, read_pct: 50 });
    w.useRecordingGateway();
  });
});
