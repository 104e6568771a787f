/**
 * Clients as salons type them into YClients ("8 (9xx) …", "+7 9xx …", ten digits, a foreign number) are the same
 * people WhatsApp shows as E.164 digits: after a sync the assistant knows them by their WhatsApp number, and their
 * confirmation goes to that number's JID.
 */
import { describe, expect, it } from "vitest";
import { loadContext } from "../../lib/assistant/store.js";
import { notificationsStore } from "../../lib/notifications/store.js";
import { getSalon } from "../../lib/salons/store.js";
import { syncSalon } from "../../lib/sync/sync-salon.js";
import { recordWebhook, useBookingsWorld } from "../bookings/world.js";
import { nextSalonId } from "../support/harness.js";

const w = useBookingsWorld("2026-11-23T09:00:00Z");

/** Client i of the demo salon is typed as asTyped(i) (fakes/yclients/data.ts): 1, 2, 3, 4 are the four habits. */
const HABITS: Array<[i: number, habit: string, pattern: RegExp, whatsapp: (typed: string) => string]> = [
  [1, "8 (9xx) …", /^8 \(9\d\d\) /, (t) => "7" + t.replace(/\D/g, "").slice(1)],
  [2, "+7 9xx …", /^\+7 9\d\d /, (t) => t.replace(/\D/g, "")],
  [3, "ten digits", /^9\d{9}$/, (t) => "7" + t],
  [4, "a foreign number", /^\+375 29 /, (t) => t.replace(/\D/g, "")],
];

describe("a client typed any way is the client WhatsApp shows", () => {
  it.each(HABITS)("client %i, typed as %s: known to the assistant, confirmed at the WhatsApp number", async (i, _habit, pattern, whatsapp) => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId);
    const client = w.sandbox.salon(salonId).clients[i]!;
    expect(client.phone).toMatch(pattern);
    const phone = whatsapp(client.phone);

    const sync = await syncSalon(w.services, salonId, ["company", "clients"]);
    expect(sync.status).toBe("ok");
    expect((await getSalon(w.db.db, salonId))?.country).toBe("RU");
    const ctx = await loadContext(w.db.db, w.clock, salonId, phone, 0);
    expect(ctx?.client).toMatchObject({ id: client.id, name: client.name });

    const out = await w.useEmulator(salonId);
    const record = w.sandbox.addRecord(salonId, { datetime: "2026-11-25 15:00:00", clientPhone: client.phone, clientName: client.name });
    expect((await recordWebhook(w, salonId, "create", record)).status).toBe(200);
    await w.after(31);
    const [row] = await notificationsStore.forRecord(w.db.db, salonId, record.id);
    expect(row).toMatchObject({ kind: "booking_created", status: "sent", phone });
    for (let t = 0; t < 100 && out.outbox().length === 0; t++) await new Promise((r) => setTimeout(r, 20));
    expect(out.outbox().map((m) => m.to)).toEqual([`${phone}@s.whatsapp.net`]);
    w.useRecordingGateway();
  });
});
