/**
 * The gateway answers a send once it has durably accepted it; what WhatsApp makes of it afterwards comes back as a
 * message.status job. A notification refused then is marked failed, and a 463 reaches the salon.
 */
import { describe, expect, it } from "vitest";
import { WHATSAPP_EVENT_PATHS, type MessageStatus } from "../../lib/contract/events.js";
import { channelStore } from "../../lib/channel/store.js";
import { notificationsStore } from "../../lib/notifications/store.js";
import { listMarketplaceEvents } from "../../lib/salons/store.js";
import { recordWebhook, useBookingsWorld } from "../bookings/world.js";
import { nextSalonId } from "../support/harness.js";

const w = useBookingsWorld("2026-11-23T09:00:00Z");

async function confirmed(salonId: number, phone: string) {
  await w.activeSalon(salonId);
  const record = w.sandbox.addRecord(salonId, { datetime: "2026-11-25 15:00:00", clientPhone: `+${phone}`, clientName: "Анна" });
  expect((await recordWebhook(w, salonId, "create", record)).status).toBe(200);
  await w.after(31);
  const [row] = await notificationsStore.forRecord(w.db.db, salonId, record.id);
  expect(row).toMatchObject({ status: "sent" });
  return row!;
}

/** `delivery` tells a redelivery of the same event apart (QStash delivers at least once, past its deduplication). */
async function status(salonId: number, notificationId: number, messageId: string, s: MessageStatus["status"], error: string | null, delivery = "") {
  const body: MessageStatus = {
    type: "message.status", salonId, messageId, idempotencyKey: `notification:${salonId}:${notificationId}`, status: s, error,
    timestamp: w.clock.now().toISOString(),
  };
  await w.services.dispatcher.publish({ path: WHATSAPP_EVENT_PATHS["message.status"], body, deduplicationId: `${salonId}:status:${messageId}:${s}${delivery}` });
  await w.drain();
}

describe("what became of an accepted send", () => {
  it("a confirmation WhatsApp refused after acceptance ends failed, and a 463 is the salon's to see", async () => {
    const salonId = nextSalonId();
    const row = await confirmed(salonId, "79125550001");
    await status(salonId, row.id, row.message_id!, "failed", "restricted_463");
    const [after] = await notificationsStore.forRecord(w.db.db, salonId, row.record_id);
    expect(after).toMatchObject({ status: "failed", error: "restricted_463" });
    expect((await listMarketplaceEvents(w.db.db, salonId)).map((e) => e.event)).toContain("whatsapp_restricted");
    // Delivered again: the salon is told once, and YClients' channel stays off (the restriction noted).
    await status(salonId, row.id, row.message_id!, "failed", "restricted_463", ":again");
    expect((await listMarketplaceEvents(w.db.db, salonId)).filter((e) => e.event === "whatsapp_restricted")).toHaveLength(1);
    expect(await channelStore.availability(w.db.db, salonId)).toMatchObject({ wanted: false });
  });

  it("sent and unknown leave a sent notification as it is", async () => {
    const salonId = nextSalonId();
    const row = await confirmed(salonId, "79125550002");
    await status(salonId, row.id, row.message_id!, "sent", null);
    await status(salonId, row.id, row.message_id!, "unknown", "cut off while on the socket");
    const [after] = await notificationsStore.forRecord(w.db.db, salonId, row.record_id);
    expect(after).toMatchObject({ status: "sent", message_id: row.message_id });
  });
});
