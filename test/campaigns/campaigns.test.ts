/**
 * Campaigns through the YClients sandbox and the real gateway (emulator transport), on a moved clock: a visit
 * marked attended gets one review request at the set hour, a "5" gets the review page and a "2" reaches the
 * administrator; a lapsed client gets one "we miss you" in 30 days and a "стоп" ends every further campaign; a
 * birthday greeting arrives in the morning in the salon's time zone, never for a day already passed.
 * Every message goes through lib/outreach (its paced sender), so the test runs its tick like the cron does.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processRecordUpdates } from "../../lib/bookings/process-records.js";
import { bareRating, keepRating } from "../../lib/campaigns/review-reply.js";
import { runCampaignTick } from "../../lib/campaigns/tick.js";
import { changeSettings, settingsHistory, SettingsError } from "../../lib/cabinet/settings.js";
import { salonResults } from "../../lib/cabinet/results.js";
import { storeOutbound } from "../../lib/conversations/store.js";
import { runOutreachTick } from "../../lib/outreach/sender.js";
import { birthDateRow } from "../../lib/sync/map.js";
import { syncSalon } from "../../lib/sync/sync-salon.js";
import { useBookingsWorld, type Wa } from "../bookings/world.js";
import { nextSalonId } from "../support/harness.js";

const w = useBookingsWorld("2026-11-23T07:00:00Z");

const jid = (phone: string) => `${phone}@s.whatsapp.net`;
const ADMIN = "79160000077";

/** The crons at this instant (campaigns, then the paced sender), then until the gateway has sent what it took. */
async function tickAt(iso: string): Promise<void> {
  w.clock.set(iso);
  await runCampaignTick(w.services);
  await runOutreachTick(w.services);
  await settle();
}

async function settle(): Promise<void> {
  for (let i = 0; i < 8; i++) {
    await new Promise((r) => setTimeout(r, 20));
    await w.drain();
  }
}

/** Lets the burst wait pass and the jobs run, then what went to `phone`. */
async function quietly(wa: Wa, phone: string) {
  for (let i = 0; i < 10; i++) {
    await new Promise((r) => setTimeout(r, 20));
    await w.after(6);
  }
  return wa.outbox().filter((m) => m.to === jid(phone)).map((m) => m.text);
}

async function switchOn(salonId: number, campaigns: Record<string, unknown>) {
  const who = { salonId, userId: 1, defaultDelaySec: 30 };
  await changeSettings(w.db.db, w.clock, who, "campaigns", campaigns);
  await changeSettings(w.db.db, w.clock, who, "assistant", { handover_phone: ADMIN });
}

describe("review request after a visit", () => {
  let salonId: number;
  let wa: Wa;
  const happy = "79135551001";
  const unhappy = "79135551002";
  const noShow = "79135551003";

  beforeAll(async () => {
    salonId = nextSalonId();
    await w.activeSalon(salonId, { title: "Барбершоп Тест" });
    wa = await w.useEmulator(salonId);
    await switchOn(salonId, { reviewEnabled: true, reviewAfterHours: 3, reviewYandexUrl: "https://yandex.ru/maps/org/test/reviews" });
  });
  afterAll(() => w.useRecordingGateway());

  it("goes once, the set hours after a visit the client attended; not after a no-show", async () => {
    // Visits at 11:00 and 11:30 Moscow (08:00Z, 08:30Z) today, booked yesterday (no confirmation).
    const visits = [
      { phone: happy, at: "2026-11-23 11:00:00", attendance: 1 },
      { phone: unhappy, at: "2026-11-23 11:30:00", attendance: 1 },
      { phone: noShow, at: "2026-11-23 11:00:00", attendance: -1 },
    ];
    let lengthSec = 0;
    for (const v of visits) {
      const rec = w.sandbox.addRecord(salonId, { datetime: v.at, clientPhone: `+${v.phone}`, clientName: "Мария Иванова" });
      if (v.phone === happy) lengthSec = Number(rec.seance_length);
      await processRecordUpdates(w.services, salonId, [{ ...rec, create_date: "2026-11-22T10:00:00+0300" }], { source: "sync" });
      // The administrator marks the visit in YClients; the poll brings it.
      w.clock.set("2026-11-23T09:30:00Z");
      const marked = w.sandbox.changeRecord(salonId, rec.id, { attendance: v.attendance });
      await processRecordUpdates(w.services, salonId, [marked], { source: "poll" });
    }
    const due = Date.parse("2026-11-23T08:00:00Z") + lengthSec * 1000 + 3 * 3600_000;

    await tickAt(new Date(due - 5 * 60_000).toISOString());
    expect(await quietly(wa, happy)).toEqual([]);
    await tickAt(new Date(due + 60_000).toISOString());
    await tickAt(new Date(due + 10 * 60_000).toISOString());
    // The second client's visit ends 30 minutes later; the sender spaces the two.
    for (let m = 40; m <= 120; m += 10) await tickAt(new Date(due + m * 60_000).toISOString());

    expect(await quietly(wa, happy)).toEqual(["Мария, здравствуйте! Как вам визит в «Барбершоп Тест»? Оцените, пожалуйста, от 1 до 5 — просто ответьте цифрой."]);
    expect(await quietly(wa, unhappy)).toHaveLength(1);
    expect(await quietly(wa, noShow)).toEqual([]);
  });

  it("a 5 gets thanks and the review page; a 2 gets an apology and reaches the administrator", async () => {
    await wa.inbound({ from: happy, text: "5" });
    const toHappy = await quietly(wa, happy);
    expect(toHappy).toHaveLength(2);
    expect(toHappy[1]).toContain("https://yandex.ru/maps/org/test/reviews");

    // The first delivery of the "2" kept the rating and crashed before answering: the redelivery still answers.
    expect(await keepRating(w.db.db, w.clock, salonId, unhappy, 2)).not.toBeNull();
    await wa.inbound({ from: unhappy, text: "2" });
    const toUnhappy = await quietly(wa, unhappy);
    expect(toUnhappy.slice(1)).toEqual(["Простите, что визит вас огорчил. Я передал ваш ответ администратору — с вами свяжутся, чтобы всё исправить."]);
    const toAdmin = await quietly(wa, ADMIN);
    expect(toAdmin).toHaveLength(1);
    expect(toAdmin[0]).toMatch(/^Клиент оценил визит на 2 из 5: \+7 913 555-10-02 \(Мария Иванова\)\./);

    // A second answer is no rating: the first stands, and the review page is not sent again.
    await wa.inbound({ from: happy, text: "4" });
    expect((await quietly(wa, happy)).filter((t) => t.includes("yandex"))).toHaveLength(1);

    const results = await salonResults(w.db.db, w.clock, salonId);
    const total = (key: string) => results.series.find((s) => s.key === key)!.total;
    expect([total("ratings_high"), total("ratings_low")]).toEqual([1, 1]);
  });

  it("the cabinet refuses a review page that is not a link, and keeps who changed what", async () => {
    const who = { salonId, userId: 7, defaultDelaySec: 30 };
    await expect(changeSettings(w.db.db, w.clock, who, "campaigns", { reviewGoogleUrl: "g.page/salon" }))
      .rejects.toThrow("Ссылка на Google Карты: ссылка должна начинаться с https://, или оставьте пусто");
    await expect(changeSettings(w.db.db, w.clock, who, "campaigns", { winbackDays: 3 })).rejects.toThrow(SettingsError);
    const saved = await changeSettings(w.db.db, w.clock, who, "campaigns", { review2gisUrl: "https://2gis.ru/firm/1" });
    expect(saved.campaigns).toMatchObject({ reviewEnabled: true, reviewAfterHours: 3, review2gisUrl: "https://2gis.ru/firm/1", winbackEnabled: false });
    expect((await settingsHistory(w.db.db, salonId))[0]).toMatchObject({ user_id: 7, section: "campaigns", key: "review2gisUrl", old: "", new: "https://2gis.ru/firm/1" });
  });

  it("the next days bring no second request for the same visit", async () => {
    for (const iso of ["2026-11-23T18:00:00Z", "2026-11-24T09:00:00Z"]) await tickAt(iso);
    expect((await quietly(wa, happy)).filter((t) => t.includes("Как вам визит"))).toHaveLength(1);
    const results = await salonResults(w.db.db, w.clock, salonId);
    const total = (key: string) => results.series.find((s) => s.key === key)!.total;
    // Both requests went out and both clients answered (the emulator sends no receipts unless told).
    expect([total("review_request_sent"), total("review_request_replied"), total("winback_sent")]).toEqual([2, 2, 0]);
  });
});

describe("birthdays", () => {
  it("arrive in the morning of the day in the salon's zone, with the offer; never for a day already passed", async () => {
    w.clock.set("2026-11-25T07:00:00Z");
    const salonId = nextSalonId();
    await w.activeSalon(salonId, { timezone: "Asia/Vladivostok" });
    const wa = await w.useEmulator(salonId);
    const today = "79135553001";
    const yesterday = "79135553002";
    const salon = w.sandbox.salon(salonId);
    for (const [i, [phone, birth]] of ([[today, "1991-11-26"], [yesterday, "1985-11-25"]] as const).entries()) {
      salon.clients.push({
        id: salonId * 100_000 + 900 + i, name: "Ирина Петрова", phone: `+${phone}`, email: "", discount: 0, sold_amount: 0, visits_count: 1,
        first_visit_date: "2026-10-01", last_visit_date: "2026-10-01", birth_date: birth,
      });
    }
    // Switched on first: the sync reads birth dates only for a salon that greets birthdays.
    await switchOn(salonId, { birthdayEnabled: true, birthdayAt: "10:00", birthdayOffer: "Дарим скидку 10% на любую услугу до конца недели." });
    await syncSalon(w.services, salonId, ["clients"]);

    // 23:00Z on the 25th is 09:00 on the 26th in Vladivostok: not yet.
    await tickAt("2026-11-25T23:00:00Z");
    expect(await quietly(wa, today)).toEqual([]);
    await tickAt("2026-11-26T00:05:00Z");
    await tickAt("2026-11-26T00:20:00Z");
    expect(await quietly(wa, today)).toEqual([
      "Ирина, с днём рождения! 🎉 «Барбершоп Тест» желает вам радости, красоты и отличного настроения.\nДарим скидку 10% на любую услугу до конца недели.",
    ]);
    expect(await quietly(wa, yesterday)).toEqual([]);
    w.useRecordingGateway();
  });
});

describe("we miss you, and stop", () => {
  it("a lapsed client who chatted before gets one message in 30 days; after «стоп», no campaign reaches them", async () => {
    w.clock.set("2026-11-27T05:00:00Z");
    const salonId = nextSalonId();
    await w.activeSalon(salonId);
    const wa = await w.useEmulator(salonId);
    const lapsed = "79135552001";
    const stranger = "79135552002";
    const salon = w.sandbox.salon(salonId);
    for (const [i, phone] of [lapsed, stranger].entries()) {
      salon.clients.push({
        id: salonId * 100_000 + 900 + i, name: "Ольга", phone: `+${phone}`, email: "", discount: 0, sold_amount: 3000, visits_count: 3,
        first_visit_date: "2026-01-10", last_visit_date: "2026-08-20", birth_date: "1990-12-20",
      });
    }
    await switchOn(salonId, { winbackEnabled: true, winbackDays: 60, birthdayEnabled: true });
    await syncSalon(w.services, salonId, ["clients"]);
    // The salon wrote to this client before (a booking confirmation); the other never chatted with it.
    await storeOutbound(w.db.db, w.clock, { salonId, phone: lapsed, waMessageId: `old-${salonId}`, text: "Вы записаны" });

    // 09:00 Moscow: not yet; 12:00 Moscow: due.
    await tickAt("2026-11-27T06:00:00Z");
    expect(await quietly(wa, lapsed)).toEqual([]);
    await tickAt("2026-11-27T09:00:00Z");
    await tickAt("2026-11-27T09:15:00Z");
    const first = await quietly(wa, lapsed);
    expect(first).toEqual(["Ольга, здравствуйте! Давно вас не видели в «Барбершоп Тест» — соскучились. Хотите записаться? Напишите, когда вам удобно, и я подберу время."]);
    expect(await quietly(wa, stranger)).toEqual([]);

    for (const day of ["2026-11-28", "2026-12-10", "2026-12-20"]) await tickAt(`${day}T09:00:00Z`);
    // 20 December is also her birthday; the winback is still inside its 30 days.
    const before = await quietly(wa, lapsed);
    expect(before.filter((t) => t.startsWith("Ольга, здравствуйте! Давно"))).toHaveLength(1);
    expect(before.some((t) => t.includes("с днём рождения"))).toBe(true);

    await wa.inbound({ from: lapsed, text: "стоп" });
    const afterStop = (await quietly(wa, lapsed)).length;
    // 28 December is past the 30 days: a winback would be due again, and the birthday comes round next year.
    for (const day of ["2026-12-28", "2027-01-10", "2027-02-15"]) await tickAt(`${day}T09:00:00Z`);
    expect((await quietly(wa, lapsed)).length).toBe(afterStop);
    w.useRecordingGateway();
  });
});

describe("what a message is", () => {
  it("a bare rating is a digit or stars and nothing more", () => {
    expect(["5", " 4! ", "5/5", "на 3", "⭐⭐⭐⭐⭐", "1 из 5"].map(bareRating)).toEqual([5, 4, 5, 3, 5, 1]);
    expect(["6", "5 звёзд, но мастер опоздал", "15", "0", ""].map(bareRating)).toEqual([null, null, null, null, null]);
  });

  it("a birth date YClients sends is kept only when it exists", () => {
    expect(["1990-04-30", "1990-04-31", "0000-00-00", "", "1990-13-01"].map((d) => birthDateRow({ id: 1, birth_date: d }).birth_date))
      .toEqual(["1990-04-30", null, null, null, null]);
  });
});
