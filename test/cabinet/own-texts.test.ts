/**
 * The thanks and welcome texts the owner writes in the cabinet reach the client and the owner, and the choice of who
 * sends booking texts (AI Admin or YClients) is a setting like the others.
 */
import { describe, expect, it } from "vitest";
import type { MessageReceived } from "../../lib/contract/events.js";
import { welcomeActivatedSalon } from "../../lib/marketplace/welcome.js";
import { handleReminderReply } from "../../lib/notifications/reminder-reply.js";
import { runReminderTick } from "../../lib/notifications/reminders.js";
import { notificationsStore } from "../../lib/notifications/store.js";
import { processRecordUpdates } from "../../lib/bookings/process-records.js";
import { nextSalonId } from "../support/harness.js";
import { bookedEarlier, call, ownerSession, useCabinetWorld } from "./support.js";

// 10:00 in Moscow.
const w = useCabinetWorld("2026-11-23T07:00:00Z");

let seq = 0;
const newPhone = () => `7915${String(process.pid % 1000).padStart(3, "0")}${String(++seq).padStart(4, "0")}`;

function confirmation(salonId: number, phone: string): MessageReceived {
  return {
    type: "message.received", salonId, messageId: `in-${phone}`, from: { phone, jid: `${phone}@s.whatsapp.net`, altJid: null },
    pushName: null, timestamp: w.clock.now().toISOString(), kind: "text", text: "Да, приду", refMessageId: null,
  };
}

describe("the thanks and the welcome", () => {
  it("a client confirming a reminder gets the salon's own thanks; the welcome to the owner's number is the owner's text", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId, { title: "Салон Роза", timezone: "Europe/Moscow" });
    const who = await ownerSession(w, salonId);

    const listed = await (await call(w, salonId, who, "/texts")).json();
    expect(listed.texts.map((t: { kind: string }) => t.kind)).toEqual(expect.arrayContaining(["thanks", "welcome"]));
    expect(Object.keys(listed.texts.find((t: { kind: string }) => t.kind === "welcome").placeholders)).toEqual(["салон", "телефон"]);
    // A welcome names no visit; a thanks tells no change.
    const noVisit = await call(w, salonId, who, "/texts", { kind: "welcome", text: "Здравствуйте, {имя}!" });
    expect((await noVisit.json()).error.message).toContain("Подстановки {имя} в этом тексте нет");
    const noChange = await call(w, salonId, who, "/texts", { kind: "thanks", text: "{изменения}" });
    expect((await noChange.json()).error.message).toContain("только в уведомлении об изменении");

    const thanks = "Спасибо, {имя}! {салон} ждёт вас {день} в {время} 🌸";
    expect((await call(w, salonId, who, "/texts", { kind: "thanks", text: thanks })).status).toBe(200);
    const phone = newPhone();
    await bookedEarlier(w, salonId, phone, "2026-11-24 12:00:00", "Ольга Петрова");
    w.clock.set("2026-11-23T16:00:00Z");
    await runReminderTick(w.services);
    await w.drain();
    expect(w.gateway.to(phone)).toHaveLength(1);
    expect(await handleReminderReply(w.services, confirmation(salonId, phone))).toEqual({ handled: true });
    expect(w.gateway.to(phone)[1]!.text).toBe("Спасибо, Ольга! Салон Роза ждёт вас завтра в 12:00 🌸");

    const welcome = "Готово! Клиенты пишут на {телефон}.\n{салон} на связи.";
    const preview = await (await call(w, salonId, who, "/texts/preview", { kind: "welcome", text: welcome })).json();
    expect(preview).toEqual({ text: "Готово! Клиенты пишут на +79990000000.\nСалон Роза на связи.", sample: false });
    expect((await call(w, salonId, who, "/texts", { kind: "welcome", text: welcome })).status).toBe(200);
    await welcomeActivatedSalon(w.services, salonId);
    const toOwner = w.gateway.sent.filter((m) => m.salonId === salonId && m.to === "79990000000");
    expect(toOwner.map((m) => m.text)).toEqual([preview.text]);

    // The settings history names both texts as the text list does, not by their keys.
    const { history } = await (await call(w, salonId, who, "/settings")).json();
    const texts = history.filter((h: { section: string }) => h.section === "texts");
    expect(texts.map((h: { key: string; label: string }) => [h.key, h.label])).toEqual([
      ["welcome", "Приветствие вам при подключении WhatsApp"], ["thanks", "Ответ клиенту, подтвердившему визит"],
    ]);
  });
});

describe("who sends booking texts", () => {
  it("is chosen in the settings, kept in the history, and with YClients chosen ours are off", async () => {
    const salonId = nextSalonId();
    await w.activeSalon(salonId);
    const who = await ownerSession(w, salonId);
    expect((await (await call(w, salonId, who, "/settings")).json()).settings.notifications.bookingTexts).toBe("ai_admin");

    const bad = await call(w, salonId, who, "/settings", { section: "notifications", patch: { bookingTexts: "both" } });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toContain("выберите Admin AI или YClients");

    const ok = await call(w, salonId, who, "/settings", { section: "notifications", patch: { bookingTexts: "yclients" } });
    expect(ok.status).toBe(200);
    const body = await ok.json();
    expect(body.settings.notifications.bookingTexts).toBe("yclients");
    expect(body.history.map((h: { key: string; old: unknown; new: unknown }) => [h.key, h.old, h.new])).toContainEqual(["bookingTexts", "ai_admin", "yclients"]);

    const phone = newPhone();
    const rec = w.sandbox.addRecord(salonId, { datetime: "2026-11-28 15:00:00", clientPhone: `+${phone}`, clientName: "Анна" });
    await processRecordUpdates(w.services, salonId, [rec], { source: "webhook" });
    await w.after(60);
    expect(w.gateway.to(phone)).toEqual([]);
    expect(await notificationsStore.forRecord(w.db.db, salonId, rec.id)).toEqual([]);
  });
});
