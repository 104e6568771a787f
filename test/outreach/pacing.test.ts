/**
 * The paced sender on a moved clock: a day of proactive traffic in one salon keeps the daily cap, the spacing window
 * and the quiet hours (measured on the outbox's sent timestamps); a number linked this fortnight sends fewer; a
 * message held past its notAfter is dropped; each key is offered once; the salon's opt-out is honoured.
 */
import { describe, expect, it } from "vitest";
import { changeSettings } from "../../lib/cabinet/settings.js";
import { processRecordUpdates } from "../../lib/bookings/process-records.js";
import { storeInbound } from "../../lib/conversations/store.js";
import { notificationsStore } from "../../lib/notifications/store.js";
import { offerProactive, outreachResults } from "../../lib/outreach/offer.js";
import { isOptedOut, optIn, optOut } from "../../lib/outreach/opt-out.js";
import { runOutreachTick } from "../../lib/outreach/sender.js";
import { WARMUP_DAILY_CAP } from "../../lib/outreach/settings.js";
import { useBookingsWorld } from "../bookings/world.js";
import { nextSalonId } from "../support/harness.js";

// 09:00 in Moscow.
const w = useBookingsWorld("2026-11-23T06:00:00Z");

const phone = (i: number) => `7916${String(1_000_000 + i).slice(1)}`;

/** The salon's sent proactive messages, oldest first. */
async function sentRows(salonId: number) {
  const { rows } = await w.db.pg!.query<{ id: number; chat: string; sent_at: Date; status: string }>(
    "select id, chat, sent_at, status from outreach_messages where salon_id = $1 and status = 'sent' order by sent_at, id", [salonId]);
  return rows;
}

/**
 * Lets `minutes` pass: the cron every 10 minutes (its real interval is one; its job here is only the safety net),
 * and the clock moved straight to each job the sender published for later, so sends happen at their exact times.
 */
async function minutesPass(minutes: number) {
  const end = w.clock.now().getTime() + minutes * 60_000;
  let cron = w.clock.now().getTime();
  while (w.clock.now().getTime() < end) {
    if (w.clock.now().getTime() >= cron) {
      await runOutreachTick(w.services);
      cron += 10 * 60_000;
    }
    await w.drain();
    const { rows } = await w.db.pg!.query<{ at: Date | null }>(
      "select min(not_before) as at from local_dispatch where done_at is null and url like '%/jobs/outreach/send'");
    const next = Math.min(rows[0]?.at ? Math.max(rows[0].at.getTime(), w.clock.now().getTime() + 1000) : Infinity, cron, end);
    w.clock.set(new Date(next));
  }
  await w.drain();
}

async function offerMany(salonId: number, n: number, more: { notAfter?: Date } = {}) {
  const results = [];
  for (let i = 0; i < n; i++) {
    results.push(await offerProactive(w.services, {
      salonId, chat: phone(i), kind: "winback", text: `Мария, давно вас не видели! (${i})`, dedupeKey: `winback:${i}`, advertising: false, ...more,
    }));
  }
  return results;
}

describe("the paced sender", () => {
  it("500 due messages: at most the daily cap a day, spaced inside the window, never in quiet hours", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId);
    await changeSettings(w.db.db, w.clock, { salonId, userId: 1, defaultDelaySec: 30 }, "notifications",
      { quietHours: true, quietFrom: "21:00", quietTo: "09:00" });
    expect(new Set(await offerMany(salonId, 500))).toEqual(new Set(["queued"]));

    await minutesPass(24 * 60);
    const day1 = (await sentRows(salonId)).filter((r) => r.sent_at < new Date("2026-11-23T21:00:00Z"));
    expect(day1).toHaveLength(100);
    const gaps = day1.slice(1).map((r, i) => (r.sent_at.getTime() - day1[i]!.sent_at.getTime()) / 1000);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(120);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(600);
    // Random, not a fixed interval.
    expect(new Set(gaps).size).toBeGreaterThan(10);
    const localHours = day1.map((r) => (r.sent_at.getUTCHours() + 3) % 24);
    expect(localHours.every((h) => h >= 9 && h < 21)).toBe(true);
    expect(new Set(day1.map((r) => r.chat)).size).toBe(100);
    expect(w.gateway.sent.filter((m) => m.salonId === salonId)).toHaveLength((await sentRows(salonId)).length);

    // The next day goes on with the next hundred, oldest first.
    await minutesPass(24 * 60);
    const both = (await sentRows(salonId)).filter((r) => r.sent_at < new Date("2026-11-24T21:00:00Z"));
    expect(both).toHaveLength(200);
    expect(both.slice(100).every((r) => Number(r.id) > Number(day1.at(-1)!.id))).toBe(true);
  }, 600_000);

  it("a number linked this fortnight sends fewer a day; a message held past notAfter is dropped", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId);
    await w.db.pg!.query("insert into wa_sessions (salon_id, state, phone, paired_at, updated_at) values ($1, 'connected', '79990000000', $2, $2)",
      [salonId, new Date(w.clock.now().getTime() - 3 * 86_400_000)]);
    const evening = new Date(w.clock.now().getTime() + 12 * 3600_000);
    await offerMany(salonId, 40, { notAfter: evening });
    await minutesPass(24 * 60);
    expect(await sentRows(salonId)).toHaveLength(WARMUP_DAILY_CAP);
    const { rows } = await w.db.pg!.query<{ status: string; reason: string | null; n: number }>(
      "select status, reason, count(*)::int as n from outreach_messages where salon_id = $1 group by 1, 2 order by 1", [salonId]);
    expect(rows).toEqual([{ status: "dropped", reason: "expired", n: 40 - WARMUP_DAILY_CAP }, { status: "sent", reason: null, n: WARMUP_DAILY_CAP }]);
  }, 600_000);

  it("a key is offered once; an opted-out chat gets nothing; proactive messages switched off answer off", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId);
    const msg = { salonId, chat: "79160000001", kind: "birthday" as const, text: "С днём рождения!", dedupeKey: "birthday:1:2026", advertising: false };
    expect(await offerProactive(w.services, msg)).toBe("queued");
    expect(await offerProactive(w.services, msg)).toBe("duplicate");

    expect(await optOut(w.services, salonId, "79160000002", "stop_word")).toBe(true);
    expect(await isOptedOut(w.services, salonId, "79160000002")).toBe(true);
    expect(await isOptedOut(w.services, salonId, "79160000001")).toBe(false);
    expect(await offerProactive(w.services, { ...msg, chat: "79160000002", dedupeKey: "b:2" })).toBe("opted_out");
    expect(await optIn(w.services, salonId, "79160000002")).toBe(true);
    expect(await offerProactive(w.services, { ...msg, chat: "79160000002", dedupeKey: "b:2" })).toBe("queued");

    // Opting out drops what was already queued for the chat.
    await optOut(w.services, salonId, "79160000001", "assistant");
    await changeSettings(w.db.db, w.clock, { salonId, userId: 1, defaultDelaySec: 30 }, "outreach", { enabled: false });
    expect(await offerProactive(w.services, { ...msg, dedupeKey: "b:3" })).toBe("off");
    await minutesPass(5);
    expect(await sentRows(salonId)).toEqual([]);
    const { rows } = await w.db.pg!.query<{ chat: string; status: string }>("select chat, status from outreach_messages where salon_id = $1 order by chat", [salonId]);
    expect(rows).toEqual([{ chat: "79160000001", status: "dropped" }, { chat: "79160000002", status: "queued" }]);
  });

  it("counts per kind: sent, delivered, read, replied and booked within 7 days", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId);
    const from = w.clock.now();
    const [a, b, c] = ["79160000011", "79160000012", "79160000013"];
    for (const chat of [a, b, c]) {
      await offerProactive(w.services, { salonId, chat, kind: "review_request", text: "Как вам визит? Оцените от 1 до 5", dedupeKey: `review:${chat}`, advertising: false });
    }
    await minutesPass(40);
    const sent = w.gateway.sent.filter((m) => m.salonId === salonId);
    expect(sent).toHaveLength(3);
    await notificationsStore.receipt(w.db.db, salonId, sent[0]!.messageId, "read", w.clock.now());
    await notificationsStore.receipt(w.db.db, salonId, sent[1]!.messageId, "delivered", w.clock.now());
    await storeInbound(w.db.db, w.clock, { salonId, phone: a, jid: `${a}@s.whatsapp.net`, pushName: "Мария", waMessageId: "in-1", kind: "text", text: "5", data: null });
    const rec = w.sandbox.addRecord(salonId, { datetime: "2026-12-10 12:00:00", clientPhone: `+${b}`, clientName: "Ольга" });
    await processRecordUpdates(w.services, salonId, [{ ...rec, create_date: new Date(w.clock.now().getTime() + 3600_000).toISOString() }], { source: "sync" });
    const results = await outreachResults(w.services, salonId, from, new Date(w.clock.now().getTime() + 86_400_000));
    expect(results.map(({ day: _day, ...r }) => r)).toEqual([{ kind: "review_request", sent: 3, delivered: 2, read: 1, replied: 1, booked: 1 }]);
  });

  it("counts a client's answer once, for the message it answers; a reaction is no answer", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId);
    const from = w.clock.now();
    const [twice, hearted] = ["79160000021", "79160000022"];
    // Two visits, two review requests to one client, and one to a client who only puts ❤️ on it.
    for (const [chat, visit] of [[twice, 1], [hearted, 1], [twice, 2]] as const) {
      await offerProactive(w.services, { salonId, chat, kind: "review_request", text: "Как вам визит? Оцените от 1 до 5", dedupeKey: `review:${chat}:${visit}`, advertising: false });
    }
    await minutesPass(40);
    await storeInbound(w.db.db, w.clock, { salonId, phone: twice, jid: `${twice}@s.whatsapp.net`, pushName: null, waMessageId: "in-21", kind: "text", text: "5", data: null });
    await storeInbound(w.db.db, w.clock, { salonId, phone: hearted, jid: `${hearted}@s.whatsapp.net`, pushName: null, waMessageId: "in-22", kind: "reaction", text: "❤️", data: null });
    const results = await outreachResults(w.services, salonId, from, new Date(w.clock.now().getTime() + 86_400_000));
    expect(results.map(({ kind, sent, replied }) => ({ kind, sent, replied }))).toEqual([{ kind: "review_request", sent: 3, replied: 1 }]);
  });
});
