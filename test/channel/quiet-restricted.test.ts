/**
 * The channel's service messages wait out the salon's quiet hours (the notifications' rule, with a moved clock), and
 * a WhatsApp 463 switches the channel off in YClients until the salon's number sends again; a salon's later requests
 * queue their jobs in the same SQL call as the rows (one round trip) with the same outcome; an ad is never queued with
 * the rows: it goes through the proactive-message policy (lib/channel/advertising.ts).
 */
import { describe, expect, it } from "vitest";
import { WHATSAPP_EVENT_PATHS, type MessageStatus } from "../../lib/contract/events.js";
import { notificationSettingsStore } from "../../lib/notifications/store.js";
import { optOut } from "../../lib/outreach/opt-out.js";
import { useBookingsWorld } from "../bookings/world.js";
import { nextSalonId } from "../support/harness.js";

const OPERATOR = "http://functions.test/channel/yclients/operator";

// 12:00 in Moscow.
const w = useBookingsWorld("2026-11-23T09:00:00Z", { YCLIENTS_BASE_URL: "http://yclients.sandbox" });

const toApp: typeof fetch = (input, init) => Promise.resolve(w.app.request(String(input), init));
const post = (salonId: number, id: string, phone: string, text: string) =>
  w.sandbox.channel.postOperator({ url: OPERATOR, fetch: toApp }, `key-${salonId}`, w.sandbox.channel.request(id, phone, text), { backoffMs: 1 });
const statusesOf = (id: string) => w.sandbox.channel.statusCallbacks.filter((s) => s.id === id).map((s) => s.status);
const updates = (salonId: number) => w.sandbox.channel.channelUpdates.filter((u) => u.salonId === salonId).map((u) => u.available);

async function gatewaySays(salonId: number, ycId: string, messageId: string, status: MessageStatus["status"], error: string | null, at: Date) {
  const body: MessageStatus = {
    type: "message.status", salonId, messageId, idempotencyKey: `channel:${salonId}:${ycId}`, status, error, timestamp: at.toISOString(),
  };
  await w.services.dispatcher.publish({ path: WHATSAPP_EVENT_PATHS["message.status"], body, deduplicationId: `${salonId}:status:${messageId}:${status}` });
  await w.drain();
}

describe("the channel and the salon's quiet hours", () => {
  it("a service message handed over at night is held (YClients hears 8) and leaves when the quiet hours end", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId, { timezone: "Europe/Moscow" });
    await notificationSettingsStore.update(w.db.db, salonId, { quietHours: true, quietFrom: "22:00", quietTo: "09:00" }, 30);

    w.clock.set("2026-11-23T20:30:00Z"); // 23:30 in Moscow
    expect((await post(salonId, "q1", "79125551001", "Напоминаем о записи завтра в 11:00")).status).toBe(200);
    await w.drain();
    expect(w.gateway.to("79125551001")).toEqual([]);
    expect(statusesOf("q1")).toEqual([8]);

    w.clock.set("2026-11-24T05:59:00Z"); // 08:59: still quiet
    await w.drain();
    expect(w.gateway.to("79125551001")).toEqual([]);

    w.clock.set("2026-11-24T06:00:01Z"); // 09:00
    await w.drain();
    await w.after(3600);
    expect(w.gateway.to("79125551001").map((m) => m.text)).toEqual(["Напоминаем о записи завтра в 11:00"]);
    expect(statusesOf("q1")).toEqual([8]);

    // By day the same salon's messages go at once.
    await post(salonId, "q2", "79125551002", "Ждём вас сегодня");
    await w.drain();
    expect(w.gateway.to("79125551002")).toHaveLength(1);
  });
});

describe("a number WhatsApp restricted (463)", () => {
  it("switches the channel off in YClients at once, and on again when the number sends", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId);
    await post(salonId, "r1", "79125551003", "Напоминаем о записи");
    await w.drain();
    const first = w.gateway.to("79125551003")[0]!;
    const refusedAt = w.clock.now();
    await gatewaySays(salonId, "r1", first.messageId, "failed", "restricted_463", refusedAt);
    expect(statusesOf("r1")).toEqual([8, 16]);
    expect(updates(salonId)).toEqual([false]);

    // Another message's "sent" from before the refusal, handled after it, proves nothing.
    await post(salonId, "r0", "79125551004", "Ваша запись подтверждена");
    await w.drain();
    const earlier = w.gateway.to("79125551004")[0]!;
    await gatewaySays(salonId, "r0", earlier.messageId, "sent", null, new Date(refusedAt.getTime() - 1000));
    expect(updates(salonId)).toEqual([false]);

    w.clock.advance(3600_000);
    await post(salonId, "r2", "79125551005", "Напоминаем о записи");
    await w.drain();
    const later = w.gateway.to("79125551005")[0]!;
    await gatewaySays(salonId, "r2", later.messageId, "sent", null, w.clock.now());
    expect(statusesOf("r2")).toEqual([8, 4]);
    expect(updates(salonId)).toEqual([false, true]);
  });
});

describe("one round trip per request", () => {
  it("a salon's later requests, their jobs queued with the rows, still send once; an ad to a client who opted out is refused (16)", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId);
    await optOut(w.services, salonId, "79125551008", "stop_word");
    const rpcs: string[] = [];
    const rpc = w.services.db.rpc.bind(w.services.db);
    w.services.db.rpc = ((fn: string, args?: Record<string, unknown>) => (rpcs.push(fn), rpc(fn as never, args as never))) as typeof rpc;
    try {
      await post(salonId, "t1", "79125551006", "Первое");
      rpcs.length = 0;
      await post(salonId, "t2", "79125551007", "Второе");
      expect(rpcs).toEqual(["channel_accept"]);
      const adds = w.sandbox.channel.request("t3", "79125551008", "Скидка!", { dispatchType: "adds" });
      await w.sandbox.channel.postOperator({ url: OPERATOR, fetch: toApp }, `key-${salonId}`, adds, { backoffMs: 1 });
      await post(salonId, "t2", "79125551007", "Второе"); // YClients retrying
    } finally {
      w.services.db.rpc = rpc;
    }
    await w.drain();
    expect(w.gateway.to("79125551007")).toHaveLength(1);
    expect(w.gateway.to("79125551008")).toEqual([]);
    expect(statusesOf("t2")).toEqual([8]);
    expect(statusesOf("t3")).toEqual([16]);
  });
});
