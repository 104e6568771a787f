/** The results tab: the numbers its charts show are the database's, by day in the salon's time zone, test chats left out. */
import { describe, expect, it } from "vitest";
import { storeInbound, storeOutbound } from "../../lib/conversations/store.js";
import { nextSalonId } from "../support/harness.js";
import { bookedEarlier, call, useCabinetWorld, signIn } from "./support.js";

// 10:00 in Moscow, Monday 23 November 2026.
const w = useCabinetWorld("2026-11-23T07:00:00Z");

describe("results", () => {
  it("charts the last 30 days by the salon's day, with the numbers the database holds", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId);
    const pg = w.db.pg!;
    const at = async (iso: string, fn: () => Promise<unknown>) => {
      const now = w.clock.now().toISOString();
      w.clock.set(iso);
      await fn();
      w.clock.set(now);
    };
    const inbound = (phone: string, id: string) => storeInbound(w.db.db, w.clock, { salonId, phone, jid: null, pushName: null, waMessageId: id, kind: "text", text: "Привет" });
    // 22:30 UTC on the 21st is 01:30 on the 22nd in Moscow: it counts on the 22nd.
    await at("2026-11-21T22:30:00Z", () => inbound("79140000001", "r-1"));
    await at("2026-11-22T09:00:00Z", () => inbound("79140000002", "r-2"));
    await at("2026-11-22T09:01:00Z", () => storeOutbound(w.db.db, w.clock, { salonId, phone: "79140000002", waMessageId: "r-3", text: "Здравствуйте" }));
    // The owner's test chat and a message older than 30 days are not counted.
    await at("2026-11-22T10:00:00Z", () => inbound("test:1", "r-4"));
    await at("2026-10-01T10:00:00Z", () => inbound("79140000003", "r-5"));
    // A reminder sent and confirmed, for a visit the client came to.
    const rec = await bookedEarlier(w, salonId, "79140000004", "2026-11-23 08:00:00");
    await pg.query(
      `insert into notifications (salon_id, record_id, kind, occasion, phone, status, sent_at, reply_at, reply_kind, created_at)
       values ($1, $2, 'reminder_hours_before', 'x', '79140000004', 'sent', '2026-11-23T03:00:00Z', '2026-11-23T03:10:00Z', 'confirmed', '2026-11-23T03:00:00Z')`,
      [salonId, rec.id]);
    await pg.query("update records set attendance = 1, starts_at = '2026-11-23T05:00:00Z' where salon_id = $1 and record_id = $2", [salonId, rec.id]);

    const { cookie } = await signIn(w, [salonId]);
    const res = await call(w, salonId, { cookie }, "/results");
    expect(res.status).toBe(200);
    const r = await res.json();
    expect(r.days).toHaveLength(30);
    expect(r.days.at(-1)).toBe("2026-11-23");
    expect(r.days[0]).toBe("2026-10-25");

    // What the charts say (the SVG's data attributes) equals what SQL counts straight from the tables.
    const html: string = r.charts.map((c: { html: string }) => c.html).join("");
    const total = (key: string) => Number(new RegExp(`data-series="${key}" data-total="(\\d+)"`).exec(html)?.[1]);
    const count = async (sql: string) => Number((await pg.query<{ n: string }>(sql, [salonId])).rows[0]!.n);
    const from = "'2026-10-24T21:00:00Z'";
    expect(total("messages_in")).toBe(await count(`select count(*) n from messages where salon_id = $1 and direction = 'in' and phone not like 'test:%' and created_at >= ${from}`));
    expect(total("messages_in")).toBe(2);
    expect(total("messages_out")).toBe(1);
    expect(total("reminders_sent")).toBe(await count("select count(*) n from notifications where salon_id = $1 and kind like 'reminder_%' and status = 'sent'"));
    expect(total("reminders_confirmed")).toBe(1);
    expect(total("came_after_reminder")).toBe(1);
    expect(total("missed_after_reminder")).toBe(0);
    // By the salon's day: both inbound messages fall on Sunday the 22nd.
    const dayOf = (d: string) => r.days.indexOf(d);
    expect(html).toContain(`<title>22.11: 2 — от клиентов</title>`);
    expect(dayOf("2026-11-22")).toBe(28);
    // Receipts: delivered and read on their own days; a reminder that turned out not on WhatsApp leaves the counts.
    expect(total("reminders_delivered")).toBe(0);
    await pg.query("update notifications set delivered_at = '2026-11-23T03:01:00Z', read_at = '2026-11-23T03:05:00Z' where salon_id = $1", [salonId]);
    const receipts = await (await call(w, salonId, { cookie }, "/results")).json();
    expect(receipts.totals).toMatchObject({ reminders_sent: 1, reminders_delivered: 1, reminders_read: 1 });
    await pg.query("update notifications set status = 'failed' where salon_id = $1", [salonId]);
    const failed = await (await call(w, salonId, { cookie }, "/results")).json();
    expect(failed.totals).toMatchObject({ reminders_sent: 0, reminders_delivered: 0, reminders_read: 0, reminders_confirmed: 0 });
  });

  it("is the salon owner's only", async () => {
    const a = nextSalonId();
    const b = nextSalonId();
    await w.activeSalon(a);
    await w.activeSalon(b);
    const stranger = await signIn(w, [b]);
    expect((await call(w, a, { cookie: stranger.cookie }, "/results")).status).toBe(403);
  });
});
