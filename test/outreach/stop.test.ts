/**
 * Through the real gateway (emulator transport) and the cabinet's API, on a moved clock: a proactive message lands in
 * the chat as the bot's; "стоп" opts the client out with a short confirmation and no answer from the assistant, and
 * later offers are refused; "удалите мои данные" reaches the administrator as a handover notice and the cabinet's
 * action removes the chat; a 463 on a proactive message stops the rest, the cabinet says so, and resuming sends them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listMessages } from "../../lib/conversations/store.js";
import { offerProactive } from "../../lib/outreach/offer.js";
import { DATA_REMOVAL, isOptedOut, OPT_OUT_CONFIRMATION } from "../../lib/outreach/opt-out.js";
import { runOutreachTick } from "../../lib/outreach/sender.js";
import type { Wa } from "../bookings/world.js";
import { call, cabinetConfig, useCabinetWorld, signIn } from "../cabinet/support.js";
import { nextSalonId } from "../support/harness.js";

// 11:00 in Moscow.
const w = useCabinetWorld("2026-11-23T08:00:00Z");

const SALON_PHONE = "79990000000";

/** Ten minutes of the cron and the jobs it starts, in small steps so the gateway's queue and events keep up. */
async function whileTimePasses(minutes = 10) {
  for (let i = 0; i < minutes * 2; i++) {
    if (i % 2 === 0) await runOutreachTick(w.services);
    await new Promise((r) => setTimeout(r, 20));
    await w.after(30);
  }
}

const to = (wa: Wa, phone: string) => wa.outbox().filter((m) => m.to === `${phone}@s.whatsapp.net`).map((m) => m.text);

describe("stop means stop", () => {
  let salonId: number;
  let wa: Wa;
  let owner: { cookie: string; csrf: string };
  beforeAll(async () => {
    salonId = nextSalonId();
    await w.activeSalon(salonId);
    wa = await w.useEmulator(salonId);
    const { cookie } = await signIn(w, [salonId]);
    owner = { cookie, csrf: (await cabinetConfig(w, salonId, cookie)).csrf };
    // Spacing of a minute, so a few messages leave within the test's minutes.
    const res = await call(w, salonId, owner, "/settings", { section: "outreach", patch: { spacingMinSec: 30, spacingMaxSec: 60 } });
    expect(res.status).toBe(200);
  });
  afterAll(() => w.useRecordingGateway());

  it("a proactive message is the bot's in the chat; \"стоп\" opts out, is confirmed, and nothing proactive follows", async () => {
    const client = "79165550001";
    const offer = { salonId, chat: client, kind: "winback" as const, text: "Мария, давно вас не видели! Записать вас?", dedupeKey: "winback:1", advertising: false };
    expect(await offerProactive(w.services, offer)).toBe("queued");
    await whileTimePasses();
    expect(to(wa, client)).toEqual([offer.text]);
    expect((await listMessages(w.db.db, salonId, client)).map((m) => [m.direction, m.text])).toEqual([["out", offer.text]]);

    await wa.inbound({ from: client, text: "Стоп!" });
    await whileTimePasses(2);
    expect(to(wa, client)).toEqual([offer.text, OPT_OUT_CONFIRMATION]);
    expect(await isOptedOut(w.services, salonId, client)).toBe(true);
    expect(await offerProactive(w.services, { ...offer, kind: "birthday", dedupeKey: "birthday:1" })).toBe("opted_out");

    const chats = (await (await call(w, salonId, owner, "/outreach")).json()) as { opted_out: number };
    expect(chats.opted_out).toBe(1);
  });

  it("\"удалите мои данные\" reaches the administrator; the cabinet's action removes the chat and keeps the opt-out", async () => {
    const client = "79165550002";
    await wa.inbound({ from: client, text: "Здравствуйте, удалите мои данные пожалуйста" });
    await whileTimePasses(2);
    expect(to(wa, client)).toEqual([DATA_REMOVAL.reply]);
    const notice = to(wa, SALON_PHONE).at(-1)!;
    expect(notice).toContain("+7 916 555-00-02");
    expect(notice).toContain("удалить его данные");

    const res = await call(w, salonId, owner, "/clients/forget", { phone: "+7 (916) 555-00-02" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ chat: client, messages: 2 });
    expect(await listMessages(w.db.db, salonId, client)).toEqual([]);
    expect(await isOptedOut(w.services, salonId, client)).toBe(true);
    const bad = await call(w, salonId, owner, "/clients/forget", { phone: "абв" });
    expect(bad.status).toBe(400);
  });

  it("a 463 on a proactive message stops the rest; the cabinet says so; resuming sends them", async () => {
    const [first, second] = ["79165550003", "79165550004"];
    wa.refuse(`${first}@s.whatsapp.net`, "restricted_463");
    for (const chat of [first, second]) {
      await offerProactive(w.services, { salonId, chat, kind: "review_request", text: "Как вам визит? Оцените от 1 до 5", dedupeKey: `review:${chat}`, advertising: false });
    }
    await whileTimePasses();
    expect(to(wa, second)).toEqual([]);
    const overview = (await (await call(w, salonId, owner, "/overview")).json()) as { attention: Array<{ code: string; text: string }>; outreach: { stoppedAt: string | null; queued: number } };
    expect(overview.attention.map((a) => a.code)).toContain("outreach_stopped");
    expect(overview.outreach).toMatchObject({ queued: 1 });
    expect(overview.outreach.stoppedAt).not.toBeNull();

    wa.refuse(`${first}@s.whatsapp.net`, null);
    expect((await call(w, salonId, owner, "/outreach/resume", {})).status).toBe(200);
    await whileTimePasses();
    expect(to(wa, second)).toEqual(["Как вам визит? Оцените от 1 до 5"]);
    const after = (await (await call(w, salonId, owner, "/overview")).json()) as { attention: Array<{ code: string }> };
    expect(after.attention.map((a) => a.code)).not.toContain("outreach_stopped");
  });
});
