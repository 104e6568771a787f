/**
 * The salon's WhatsApp as the channel for YClients' own notifications: the sandbox posts operator requests the way
 * YClients does, the real functions app answers, sends through the gateway, and posts delivery statuses back.
 */
import { describe, expect, it } from "vitest";
import { CHANNEL_DOWN_GRACE_SEC } from "../../lib/channel/availability.js";
import { listMessages } from "../../lib/conversations/store.js";
import { GatewayError } from "../../lib/gateway/client.js";
import { WHATSAPP_EVENT_PATHS, type MessageStatus } from "../../lib/contract/events.js";
import { notificationSettingsStore, notificationsStore } from "../../lib/notifications/store.js";
import { freezeSalon } from "../../lib/salons/store.js";
import { optOut } from "../../lib/outreach/opt-out.js";
import { runOutreachTick } from "../../lib/outreach/sender.js";
import { recordWebhook, useBookingsWorld } from "../bookings/world.js";
import { nextSalonId } from "../support/harness.js";
import type { OperatorRequestBody } from "../../fakes/yclients/channel-routes.js";

const OPERATOR = "http://functions.test/channel/yclients/operator";

const w = useBookingsWorld("2026-11-23T09:00:00Z", { YCLIENTS_BASE_URL: "http://yclients.sandbox" });

const toApp: typeof fetch = (input, init) => Promise.resolve(w.app.request(String(input), init));

function post(salonId: number, body: OperatorRequestBody | OperatorRequestBody[], opts: { bearer?: string; fetch?: typeof fetch } = {}) {
  return w.sandbox.channel.postOperator({ url: OPERATOR, fetch: opts.fetch ?? toApp }, opts.bearer ?? `key-${salonId}`, body, { backoffMs: 1 });
}

const statusesOf = (id: string) => w.sandbox.channel.statusCallbacks.filter((s) => s.id === id).map((s) => s.status);

async function gatewaySays(salonId: number, ycId: string, messageId: string, status: MessageStatus["status"], error: string | null = null) {
  const body: MessageStatus = {
    type: "message.status", salonId, messageId, idempotencyKey: `channel:${salonId}:${ycId}`, status, error, timestamp: w.clock.now().toISOString(),
  };
  await w.services.dispatcher.publish({ path: WHATSAPP_EVENT_PATHS["message.status"], body, deduplicationId: `${salonId}:status:${messageId}:${status}` });
  await w.drain();
}

async function sessionEvent(salonId: number, type: "session.logged_out" | "session.connected") {
  const timestamp = w.clock.now().toISOString();
  const body = type === "session.logged_out" ? { type, salonId, code: 401, timestamp } : { type, salonId, phone: "79990000000", timestamp };
  await w.services.dispatcher.publish({ path: WHATSAPP_EVENT_PATHS[type], body, deduplicationId: `${salonId}:${type}:${timestamp}` });
  await w.drain();
}

describe("YClients' notifications through the salon's WhatsApp", () => {
  it("a YClients reminder goes out once, is in the chat history, and YClients hears 8, 4, then 1 on WhatsApp's receipt", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId);
    const text = "Напоминаем: завтра в 15:00 стрижка в Барбершоп Тест. Ответьте, если планы изменились.";
    const res = await post(salonId, w.sandbox.channel.request("9001", "+7 (912) 555-00-01", text));
    expect(res.status).toBe(200);
    expect(res.body).toEqual([{ id: "9001", ext_id: expect.stringMatching(/^[0-9a-f-]{36}$/) }]);
    await w.drain();
    const sent = w.gateway.to("79125550001");
    expect(sent.map((m) => m.text)).toEqual([text]);
    expect(statusesOf("9001")).toEqual([8]);

    await gatewaySays(salonId, "9001", sent[0]!.messageId, "sent");
    expect(statusesOf("9001")).toEqual([8, 4]);
    await gatewaySays(salonId, "9001", sent[0]!.messageId, "delivered");
    await gatewaySays(salonId, "9001", sent[0]!.messageId, "read");
    expect(statusesOf("9001")).toEqual([8, 4, 1]);
    // The client's answer ("перенесите на завтра") reaches the assistant with the reminder before it.
    const history = await listMessages(w.db.db, salonId, "79125550001");
    expect(history.map((m) => [m.direction, m.text])).toEqual([["out", text]]);
  });

  it("a retried POST, a duplicate in a batch and a lost answer send nothing twice and post each status once", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId);
    const one = w.sandbox.channel.request("9101", "79125550002", "Вы записаны на 25 ноября, 15:00");
    const first = await post(salonId, one);
    // YClients never got the answer (it was lost on the way back) and retries; then posts it again in a batch.
    let lost = true;
    const losingFetch: typeof fetch = async (input, init) => {
      const r = await toApp(input, init);
      if (lost) {
        lost = false;
        throw new Error("connection reset");
      }
      return r;
    };
    const retried = await post(salonId, one, { fetch: losingFetch });
    expect(retried.attempts).toBe(2);
    const batch = await post(salonId, [one, w.sandbox.channel.request("9102", "79125550003", "Ждём вас завтра")]);
    await w.drain();
    await w.drain();

    const ext = (first.body as Array<{ ext_id: string }>)[0]!.ext_id;
    expect(retried.body).toEqual([{ id: "9101", ext_id: ext }]);
    expect((batch.body as Array<{ id: string; ext_id: string }>).map((b) => b.id)).toEqual(["9101", "9102"]);
    expect((batch.body as Array<{ ext_id: string }>)[0]!.ext_id).toBe(ext);
    expect(w.gateway.to("79125550002")).toHaveLength(1);
    expect(w.gateway.to("79125550003")).toHaveLength(1);
    expect(statusesOf("9101")).toEqual([8]);
  });

  it("a client not on WhatsApp: status 2, so YClients can send the SMS", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId);
    await post(salonId, w.sandbox.channel.request("9201", "79125550004", "Напоминаем о записи"));
    await w.drain();
    const [sent] = w.gateway.to("79125550004");
    await gatewaySays(salonId, "9201", sent!.messageId, "failed", "not_on_whatsapp");
    await gatewaySays(salonId, "9201", sent!.messageId, "sent");
    expect(statusesOf("9201")).toEqual([8, 2]);
  });

  it("a logged-out session: messages fail with 2, the channel goes off after the grace period and on when it is back", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId);
    const updates = () => w.sandbox.channel.channelUpdates.filter((u) => u.salonId === salonId).map((u) => [u.channel, u.available]);

    // A session that comes back within the grace period never switches the channel off.
    await sessionEvent(salonId, "session.logged_out");
    await sessionEvent(salonId, "session.connected");
    await w.after(CHANNEL_DOWN_GRACE_SEC + 1);
    expect(updates()).toEqual([]);

    await sessionEvent(salonId, "session.logged_out");
    w.gateway.failNext(new GatewayError(410, "session_logged_out", "WhatsApp logged the device out"));
    await post(salonId, w.sandbox.channel.request("9301", "79125550005", "Напоминаем о записи"));
    await w.drain();
    expect(statusesOf("9301")).toEqual([2]);
    await w.after(CHANNEL_DOWN_GRACE_SEC + 1);
    await w.after(CHANNEL_DOWN_GRACE_SEC + 1);
    expect(updates()).toEqual([["whatsapp", false]]);

    await sessionEvent(salonId, "session.connected");
    await sessionEvent(salonId, "session.connected");
    expect(updates()).toEqual([["whatsapp", false], ["whatsapp", true]]);
  });

  it("advertising goes through the proactive-message policy: an opted-out client is refused with 16, another gets it paced", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId);
    await optOut(w.services, salonId, "79125550016", "stop_word");
    const ad = "Скидка 20% на окрашивание!";
    const res = await post(salonId, [
      w.sandbox.channel.request("9401", "79125550006", ad, { dispatchType: "adds" }),
      w.sandbox.channel.request("9402", "79125550016", ad, { dispatchType: "adds" }),
    ]);
    expect(res.status).toBe(200);
    await w.drain();
    expect(w.gateway.to("79125550016")).toEqual([]);
    expect(statusesOf("9402")).toEqual([16]);
    expect(statusesOf("9401")).toEqual([8]);

    await runOutreachTick(w.services);
    await w.drain();
    const sent = w.gateway.to("79125550006");
    expect(sent.map((m) => m.text)).toEqual([ad]);
    await w.services.dispatcher.publish({
      path: WHATSAPP_EVENT_PATHS["message.status"], deduplicationId: `${salonId}:status:${sent[0]!.messageId}:sent`,
      body: { type: "message.status", salonId, messageId: sent[0]!.messageId, idempotencyKey: sent[0]!.idempotencyKey, status: "sent", error: null, timestamp: w.clock.now().toISOString() },
    });
    await w.drain();
    expect(statusesOf("9401")).toEqual([8, 4]);
    // A retried POST of the same ad sends nothing twice.
    await post(salonId, w.sandbox.channel.request("9401", "79125550006", ad, { dispatchType: "adds" }));
    await runOutreachTick(w.services);
    await w.drain();
    expect(w.gateway.to("79125550006")).toHaveLength(1);
  });

  it("answers the protocol's error codes: bad token 20, unknown shape 5, bad phone 10, frozen salon 15", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId);
    const bad = await post(salonId, w.sandbox.channel.request("9501", "79125550007", "x"), { bearer: "not-a-key" });
    expect(bad).toMatchObject({ status: 401, body: [{ id: "9501", error_code: 20 }] });

    const mixed = await post(salonId, [
      { ...w.sandbox.channel.request("9502", "12", "Текст") },
      { destination_params: { "9503": "79125550008", "9504": "+7 912 555 00 09" }, text: "Ждём вас", channel: "whatsapp", dispatch_type: "service" },
      { destination_params: "79125550010", text: "?" },
    ]);
    expect(mixed.status).toBe(200);
    expect(mixed.body).toEqual([
      { id: "9502", error_code: 10, error_message: expect.any(String) },
      { id: "9503", ext_id: expect.any(String) },
      { id: "9504", ext_id: expect.any(String) },
      { id: null, error_code: 5, error_message: expect.any(String) },
    ]);

    await freezeSalon(w.db.db, w.clock, salonId, "test");
    const frozen = await post(salonId, w.sandbox.channel.request("9505", "79125550011", "x"));
    expect(frozen).toMatchObject({ status: 403, body: [{ id: "9505", error_code: 15 }] });
  });

  it("with 'YClients sends booking texts' our own confirmation is off", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId);
    await notificationSettingsStore.update(w.db.db, salonId, { bookingTexts: "yclients" }, 30);
    const record = w.sandbox.addRecord(salonId, { datetime: "2026-11-25 15:00:00", clientPhone: "+79125550012", clientName: "Анна" });
    await recordWebhook(w, salonId, "create", record);
    await w.after(31);
    expect(await notificationsStore.forRecord(w.db.db, salonId, record.id)).toEqual([]);
    expect(w.gateway.to("79125550012")).toEqual([]);
  });
});
