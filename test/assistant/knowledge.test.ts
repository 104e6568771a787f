/**
 * What the assistant knows without asking YClients per question: masters' working days (the synced staff_schedules)
 * and what a service is (the salon's description in YClients, synced with the services).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { lastFunctionResponses, type GeminiRequest } from "../../fakes/gemini/server.js";
import { scheduleFor } from "../../fakes/yclients/index.js";
import { listTurns } from "../../lib/assistant/store.js";
import { syncSalon } from "../../lib/sync/sync-salon.js";
import { clientWrites, createSalon, newPhone, useAssistantWorld, settle, type TestSalon } from "./support.js";

const w = useAssistantWorld();
let salon: TestSalon;
beforeAll(async () => {
  salon = await createSalon(w);
  const sync = await syncSalon(w.fn.services, salon.salonId, ["services", "staff", "schedules"]);
  expect(sync.status).toBe("ok");
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const response = (req: GeminiRequest): any => lastFunctionResponses(req)[0]!.response;

/** Calls to YClients' booking endpoints (free time, dates) made since `from`. */
const bookingCalls = (from: number) => w.sandbox.requests.slice(from).filter((r) => r.path.includes("/book_"));

describe("working days", () => {
  it("answers when a master works from the synced schedule, without asking YClients", async () => {
    const anna = salon.data.staff[0]!;
    const phone = newPhone();
    let days: Array<{ date: string; weekday: string; hours: string }> = [];
    w.gemini.script([
      { calls: [{ name: "staff_schedule", args: { staff_id: anna.id } }] },
      (req) => {
        days = response(req).working_days;
        return { text: `${response(req).staff_name} работает: ${days.map((d) => `${d.date} ${d.hours}`).join(", ")}.` };
      },
    ]);
    const before = w.sandbox.requests.length;
    await clientWrites(w, salon, phone, `Когда работает ${anna.name.split(" ")[0]}?`);
    await settle(w);

    // Monday 23 November and two weeks on: the sandbox's 5/2 master works Monday to Friday, 10:00–14:00 and 15:00–20:00.
    const expected = Array.from({ length: 14 }, (_, i) => new Date(Date.UTC(2026, 10, 23 + i)).toISOString().slice(0, 10))
      .filter((d) => scheduleFor(anna, 0, d).length > 0);
    expect(expected).toHaveLength(10);
    expect(days.map((d) => d.date)).toEqual(expected);
    expect(days.every((d) => d.hours === "10:00–20:00")).toBe(true);
    expect(w.gateway.to(salon.salonId, phone)[0]).toContain(`${anna.name} работает: 2026-11-23 10:00–20:00`);
    expect(bookingCalls(before)).toEqual([]);
    const [turn] = await listTurns(w.db.db, salon.salonId, phone);
    expect(turn!.tool_calls.map((c) => c.name)).toEqual(["staff_schedule"]);
  });

  it("says who works on a day, leaving out hidden and fired masters", async () => {
    const phone = newPhone();
    const saturday = "2026-11-28";
    let working: Array<{ staff_id: number; name: string; hours: string }> = [];
    w.gemini.script([
      { calls: [{ name: "staff_schedule", args: { date: saturday } }] },
      (req) => {
        working = response(req).working;
        return { text: `В субботу работают: ${working.map((s) => s.name).join(", ")}.` };
      },
    ]);
    await clientWrites(w, salon, phone, "Кто работает в субботу?");
    await settle(w);
    const expected = salon.data.staff
      .filter((s, i) => s.hidden === 0 && s.fired === 0 && scheduleFor(s, i, saturday).length > 0)
      .map((s) => s.id)
      .sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(working.map((s) => s.staff_id).sort()).toEqual(expected);
    expect(w.gateway.to(salon.salonId, phone)).toHaveLength(1);
  });
});

describe("what a service is", () => {
  it("explains a service with the salon's own description, and says when there is none", async () => {
    const airTouch = salon.data.services.find((s) => s.title === "AirTouch")!;
    const fringe = salon.data.services.find((s) => s.title === "Стрижка чёлки")!;
    const phone = newPhone();
    const seen: any[] = [];
    w.gemini.script([
      { calls: [{ name: "explain_service", args: { service_id: airTouch.id } }] },
      (req) => {
        seen.push(response(req));
        return { text: `AirTouch: ${response(req).description}` };
      },
      { calls: [{ name: "explain_service", args: { service_id: fringe.id } }] },
      (req) => {
        seen.push(response(req));
        return { text: "Уточню у администратора, что входит в стрижку чёлки." };
      },
    ]);
    await clientWrites(w, salon, phone, "Что такое AirTouch?");
    await settle(w);
    await clientWrites(w, salon, phone, "А что входит в стрижку чёлки?");
    await settle(w);

    expect(airTouch.comment).not.toBe("");
    expect(seen[0]).toMatchObject({ ok: true, title: "AirTouch", description: airTouch.comment, price: "9000–12000 ₽", duration_min: 180 });
    expect(seen[0].staff.length).toBeGreaterThan(0);
    expect(seen[1]).toMatchObject({ ok: true, title: "Стрижка чёлки", description: null });
    expect(seen[1].note).toMatch(/не выдумывай/);
    expect(w.gateway.to(salon.salonId, phone)[0]).toBe(`AirTouch: ${airTouch.comment}`);
  });
});
