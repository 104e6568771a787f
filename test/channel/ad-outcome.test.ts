/**
 * Every channel ad ends at YClients with one final status, so that YClients falls back to its next channel (SMS)
 * when WhatsApp did not carry it: dropped while it waited in the proactive outbox, or refused by the gateway at once.
 */
import { describe, expect, it } from "vitest";
import { changeSettings } from "../../lib/cabinet/settings.js";
import { channelAdEnded } from "../../lib/channel/advertising.js";
import { GatewayError } from "../../lib/gateway/client.js";
import { optOut } from "../../lib/outreach/opt-out.js";
import { runOutreachTick } from "../../lib/outreach/sender.js";
import { freezeSalon, uninstallSalon } from "../../lib/salons/store.js";
import { useBookingsWorld } from "../bookings/world.js";
import { nextSalonId } from "../support/harness.js";

const OPERATOR = "http://functions.test/channel/yclients/operator";
const AD = "Скидка 20% на окрашивание!";

const w = useBookingsWorld("2026-11-23T09:00:00Z", { YCLIENTS_BASE_URL: "http://yclients.sandbox" });

const toApp: typeof fetch = (input, init) => Promise.resolve(w.app.request(String(input), init));
const statusesOf = (id: string) => w.sandbox.channel.statusCallbacks.filter((s) => s.id === id).map((s) => s.status);

async function postAd(salonId: number, ycId: string, phone: string) {
  const res = await w.sandbox.channel.postOperator({ url: OPERATOR, fetch: toApp }, `key-${salonId}`,
    w.sandbox.channel.request(ycId, phone, AD, { dispatchType: "adds" }), { backoffMs: 1 });
  expect(res.status).toBe(200);
  await w.drain();
}

/** A new active salon with an ad from YClients waiting to go to `phone`. */
async function salonWithAd(ycId: string, phone: string): Promise<number> {
  const salonId = nextSalonId();
  await w.activeSalon(salonId);
  await postAd(salonId, ycId, phone);
  return salonId;
}

/** The outreach cron, then every job it set off. */
async function tick() {
  await runOutreachTick(w.services);
  await w.drain();
}

describe("a channel ad always ends at YClients", () => {
  it("an ad still waiting a day later is dropped and ends with 2, posted once even when handed over again", async () => {
    const salonId = await salonWithAd("9601", "79125550101");
    expect(statusesOf("9601")).toEqual([8]);

    w.clock.advance(25 * 3600_000);
    await tick();
    expect(w.gateway.to("79125550101")).toEqual([]);
    expect(statusesOf("9601")).toEqual([8, 2]);

    // A redelivered send job, the next cron, and a hand-over repeated after a crash post nothing more.
    await tick();
    await channelAdEnded(w.services, salonId, { dedupe_key: "channel:9601", reason: "expired", error: null });
    await w.drain();
    expect(statusesOf("9601")).toEqual([8, 2]);
  });

  it("a client who opts out while the ad waits: it is never sent and ends rejected (16)", async () => {
    const salonId = await salonWithAd("9611", "79125550111");
    await optOut(w.services, salonId, "79125550111", "stop_word");
    await tick();
    await tick();
    expect(w.gateway.to("79125550111")).toEqual([]);
    expect(statusesOf("9611")).toEqual([8, 16]);
  });

  it("proactive messages switched off while the ad waits: it ends rejected (16) instead of waiting for the owner", async () => {
    const salonId = await salonWithAd("9621", "79125550121");
    await changeSettings(w.db.db, w.clock, { salonId, userId: 1, defaultDelaySec: 30 }, "outreach", { enabled: false });
    await tick();
    expect(w.gateway.to("79125550121")).toEqual([]);
    expect(statusesOf("9621")).toEqual([8, 16]);
  });

  it("WhatsApp refuses the send at once (not on WhatsApp): the ad ends with 2, once", async () => {
    const salonId = await salonWithAd("9631", "79125550131");
    w.gateway.failNext(new GatewayError(422, "not_on_whatsapp", "not on WhatsApp"));
    await tick();
    await tick();
    expect(statusesOf("9631")).toEqual([8, 2]);
  });

  it("an ad of a salon frozen while it waits: held while still valid, then ends with 2 once, never sent", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId);
    await postAd(salonId, "9641", "79125550141");
    await freezeSalon(w.db.db, w.clock, salonId, "payment_overdue");
    w.clock.advance(3600_000);
    await tick();
    expect(statusesOf("9641")).toEqual([8]);

    w.clock.advance(24 * 3600_000);
    await tick();
    await tick();
    expect(w.gateway.to("79125550141")).toEqual([]);
    expect(statusesOf("9641")).toEqual([8, 2]);
  });

  it("an ad of a salon uninstalled while it waits ends with 2 at the next tick, not a day later", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId);
    await postAd(salonId, "9651", "79125550151");
    await uninstallSalon(w.db.db, w.clock, salonId);
    await tick();
    await tick();
    expect(w.gateway.to("79125550151")).toEqual([]);
    expect(statusesOf("9651")).toEqual([8, 2]);
  });
});
