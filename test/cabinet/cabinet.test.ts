import { describe, expect, it } from "vitest";
import { processRecordUpdates } from "../../lib/bookings/process-records.js";
import { runReminderTick } from "../../lib/notifications/reminders.js";
import { nextSalonId } from "../support/harness.js";
import { bookedEarlier, cabinetConfig, call, useCabinetWorld, signIn } from "./support.js";

// 10:00 in Moscow.
const w = useCabinetWorld("2026-11-23T07:00:00Z");

let seq = 0;
const newPhone = () => `7914${String(process.pid % 1000).padStart(3, "0")}${String(++seq).padStart(4, "0")}`;

describe("getting in", () => {
  it("lands the owner of an active salon in its cabinet, and one not yet active in onboarding", async () => {
    const active = nextSalonId();
    await w.activeSalon(active, { title: "Салон Роза" });
    const { res, cookie } = await signIn(w, [active]);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`/cabinet/${active}`);
    const page = await w.app.request(`/cabinet/${active}`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Салон Роза");

    const fresh = nextSalonId();
    w.sandbox.salon(fresh, { records: 0, clients: 0 });
    const second = await signIn(w, [fresh]);
    expect(second.res.headers.get("location")).toBe(`/marketplace/onboarding?salon_id=${fresh}`);
    // The cabinet of a salon not yet active sends the owner to onboarding.
    const early = await w.app.request(`/cabinet/${fresh}`, { headers: { cookie: second.cookie } });
    expect(early.status).toBe(302);
    expect(early.headers.get("location")).toBe(`/marketplace/onboarding?salon_id=${fresh}`);
  });

  it("lets a chain owner switch between their salons and nobody else in", async () => {
    const a = nextSalonId();
    const b = nextSalonId();
    await w.activeSalon(a, { title: "Филиал А" });
    await w.activeSalon(b, { title: "Филиал Б" });
    // The sandbox's owner of `a` is not an administrator of `b`: sign in to each as its own owner, in one browser.
    const first = await signIn(w, [a]);
    const owner = await cabinetConfig(w, a, first.cookie);
    expect(owner.salons.map((s) => s.id)).toEqual([a]);

    const stranger = await signIn(w, [b]);
    // Another salon's owner: their session does not list `a`.
    const refused = await w.app.request(`/cabinet/${a}`, { headers: { cookie: stranger.cookie } });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("Нет доступа");
    const api = await call(w, a, { cookie: stranger.cookie }, "/overview");
    expect(api.status).toBe(403);
    expect((await api.json()).error.message).toMatch(/YClients/);

    // No session, or a forged one.
    expect((await call(w, a, { cookie: "" }, "/overview")).status).toBe(401);
    const [name, value] = first.cookie.split("=");
    const parts = value!.split(".");
    const forged = `${name}=${parts[0]}.${Buffer.from(JSON.stringify({ sub: "1", salons: [a, b], csrf: "x" })).toString("base64url")}.${parts[2]}`;
    expect((await call(w, a, { cookie: forged }, "/overview")).status).toBe(401);
  });

  it("shows WhatsApp, the last sync and what needs the owner", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId);
    const { cookie } = await signIn(w, [salonId]);
    const o = await (await call(w, salonId, { cookie }, "/overview")).json();
    expect(o.whatsapp.view).toBe("connected");
    expect(o.whatsapp.text).toBe("Подключён как +79990000000");
    // No model key in tests: the owner is told the assistant is off.
    expect(o.attention.map((a: { code: string }) => a.code)).toContain("assistant_off");
  });
});

describe("settings", () => {
  it("validates, applies at once and keeps a history; changes need the CSRF header", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId);
    const { cookie } = await signIn(w, [salonId]);
    const { csrf } = await cabinetConfig(w, salonId, cookie);

    const noCsrf = await call(w, salonId, { cookie }, "/settings", { section: "notifications", patch: { hoursBefore: 3 } });
    expect(noCsrf.status).toBe(403);
    expect((await noCsrf.json()).error.message).toContain("Обновите");

    const bad = await call(w, salonId, { cookie, csrf }, "/settings", { section: "notifications", patch: { hoursBefore: 48 } });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toBe("За сколько часов напоминать: не больше 24");
    const badTime = await call(w, salonId, { cookie, csrf }, "/settings", { section: "notifications", patch: { quietFrom: "25:00" } });
    expect((await badTime.json()).error.message).toContain("ЧЧ:ММ");
    const unknown = await call(w, salonId, { cookie, csrf }, "/settings", { section: "notifications", patch: { nope: 1 } });
    expect((await unknown.json()).error.message).toContain("Неизвестная настройка");

    const ok = await call(w, salonId, { cookie, csrf }, "/settings", { section: "notifications", patch: { hoursBefore: 3, quietHours: true } });
    expect(ok.status).toBe(200);
    const body = await ok.json();
    expect(body.settings.notifications.hoursBefore).toBe(3);
    expect(body.history.map((h: { key: string; old: unknown; new: unknown }) => [h.key, h.old, h.new])).toEqual(
      expect.arrayContaining([["hoursBefore", 2, 3], ["quietHours", false, true]]),
    );
    const facts = await call(w, salonId, { cookie, csrf }, "/settings", { section: "assistant", patch: { facts: "x".repeat(2001) } });
    expect((await facts.json()).error.message).toContain("не длиннее 2000");
  });

  it("holds a reminder due inside quiet hours until the morning, and drops one whose visit is before then", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId, { timezone: "Europe/Moscow" });
    const { cookie } = await signIn(w, [salonId]);
    const { csrf } = await cabinetConfig(w, salonId, cookie);
    const patch = { reminderDayBefore: false, hoursBefore: 2, quietHours: true, quietFrom: "21:00", quietTo: "09:00" };
    expect((await call(w, salonId, { cookie, csrf }, "/settings", { section: "notifications", patch })).status).toBe(200);

    const early = newPhone();
    const later = newPhone();
    // Visits on the 24th at 08:00 (reminder due 06:00, inside quiet hours, visit before they end) and 10:30 (reminder
    // due 08:30, inside quiet hours: held until 09:00).
    await bookedEarlier(w, salonId, early, "2026-11-24 08:00:00");
    await bookedEarlier(w, salonId, later, "2026-11-24 10:30:00");
    for (const at of ["2026-11-24T03:00:00Z", "2026-11-24T05:30:00Z", "2026-11-24T05:55:00Z"]) {
      w.clock.set(at);
      await runReminderTick(w.services);
      await w.drain();
    }
    expect(w.gateway.to(early)).toHaveLength(0);
    expect(w.gateway.to(later)).toHaveLength(0);
    // 09:00 in Moscow: the held reminder leaves through its republished job.
    w.clock.set("2026-11-24T06:00:30Z");
    await w.drain();
    expect(w.gateway.to(later)).toHaveLength(1);
    expect(w.gateway.to(later)[0]!.text).toContain("сегодня в 10:30");
    expect(w.gateway.to(early)).toHaveLength(0);
  });
});

describe("texts", () => {
  it("validates, previews with a real visit, and the next confirmation uses the salon's text; reset goes back", async () => {
    const salonId = nextSalonId();
    w.clock.set("2026-11-25T08:00:00Z");
    await w.activeSalon(salonId, { title: "Салон Роза", address: "ул. Мира, 1" });
    const { cookie } = await signIn(w, [salonId]);
    const { csrf } = await cabinetConfig(w, salonId, cookie);
    const who = { cookie, csrf };

    const unknown = await call(w, salonId, who, "/texts", { kind: "booking_created", text: "Привет, {клиент}!" });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error.message).toContain("Неизвестная подстановка {клиент}");
    expect((await (await call(w, salonId, who, "/texts", { kind: "booking_created", text: "  " })).json()).error.message).toContain("пустой");
    expect((await (await call(w, salonId, who, "/texts", { kind: "booking_created", text: "a".repeat(1001) })).json()).error.message).toContain("длиннее 1000");

    const own = "{имя}, вы записаны в {салон} на {дата} в {время}. Мастер: {мастер}.";
    await bookedEarlier(w, salonId, newPhone(), "2026-11-27 12:00:00", "Ольга Петрова");
    const preview = await (await call(w, salonId, who, "/texts/preview", { kind: "booking_created", text: own })).json();
    expect(preview.sample).toBe(false);
    expect(preview.text).toMatch(/^Ольга, вы записаны в Салон Роза на 27 ноября в 12:00\./);

    expect((await call(w, salonId, who, "/texts", { kind: "booking_created", text: own })).status).toBe(200);
    const phone = newPhone();
    const rec = w.sandbox.addRecord(salonId, { datetime: "2026-11-28 15:00:00", clientPhone: `+${phone}`, clientName: "Анна" });
    await processRecordUpdates(w.services, salonId, [rec], { source: "webhook" });
    await w.after(60);
    expect(w.gateway.to(phone).map((m) => m.text)).toEqual([expect.stringMatching(/^Анна, вы записаны в Салон Роза на 28 ноября в 15:00\./)]);

    const reset = await (await call(w, salonId, who, "/texts", { kind: "booking_created", text: null })).json();
    expect(reset.texts.find((t: { kind: string }) => t.kind === "booking_created").own).toBeNull();
    const history = await (await call(w, salonId, who, "/settings")).json();
    expect(history.history.filter((h: { section: string }) => h.section === "texts")).toHaveLength(2);
  });
});
