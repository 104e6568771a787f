/**
 * The cabinet's test chat with the real assistant (Gemini fake through the real SDK, the YClients sandbox through the
 * real client): real answers from the salon's data, a booking checked and not made, no WhatsApp, no handover, and
 * nothing of it in the statistics.
 */
import { describe, expect, it } from "vitest";
import { lastFunctionResponses } from "../../fakes/gemini/server.js";
import { assistantDeps } from "../../lib/assistant/runtime.js";
import { TEXTS } from "../../lib/assistant/turn.js";
import { changeSettings, settingsHistory, SettingsError } from "../../lib/cabinet/settings.js";
import { getConversation } from "../../lib/conversations/store.js";
import { salonResults } from "../../lib/cabinet/results.js";
import { TestChatError, testChatHistory, testChatPhone, testChatSend } from "../../lib/cabinet/test-chat.js";
import { clientWrites, createSalon, newPhone, useAssistantWorld, settle } from "../assistant/support.js";

const w = useAssistantWorld();

const OWNER = 4242;

describe("test chat", () => {
  it("answers from the salon's data and checks a booking without making it, sending nothing to WhatsApp", async () => {
    const salon = await createSalon(w);
    const svc = salon.data.services.find((s) => s.title === "Мужская стрижка")!;
    const staff = salon.data.staff.find((st) => svc.staff.some((x) => x.id === st.id) && st.is_bookable)!;
    let day = "";
    for (const d of ["2026-11-24", "2026-11-25", "2026-11-26"]) {
      if ((await w.fn.services.yclients.bookTimes(salon.salonId, staff.id, d, { serviceIds: [svc.id] })).length >= 2) { day = d; break; }
    }
    let time = "";
    w.gemini.script([
      { calls: [{ name: "find_free_slots", args: { service_id: svc.id, staff_id: staff.id, date: day } }] },
      (req) => {
        time = (lastFunctionResponses(req)[0]!.response as { options: Array<{ times: string[] }> }).options[0]!.times[0]!;
        return { calls: [{ name: "create_booking", args: { service_id: svc.id, staff_id: staff.id, date: day, time, client_name: "Тест" } }] };
      },
    ], { forPhone: testChatPhone(OWNER) });
    const sentBefore = w.gateway.sent.length;
    const changesBefore = w.sandbox.recordChanges(salon.salonId).length;

    const answer = await testChatSend(assistantDeps(w.fn.services), salon.salonId, OWNER, `Запишите к ${staff.name} на стрижку`);

    // The confirmation is composed from the checked booking's result, as in a real chat (no third model call).
    expect(answer.replies).toEqual([expect.stringMatching(new RegExp(`Записала вас: Мужская стрижка, .* в ${time}`))]);
    expect(answer.checked).toEqual([expect.objectContaining({ service: svc.title, staff_name: staff.name, time })]);
    expect(answer.handover).toBeNull();
    // Nothing in YClients, nothing through WhatsApp; the chat is kept for its context.
    expect(w.sandbox.recordChanges(salon.salonId).length).toBe(changesBefore);
    expect(w.gateway.sent.length).toBe(sentBefore);
    const history = await testChatHistory({ db: w.db.db }, salon.salonId, OWNER);
    expect(history.map((m) => [m.direction, m.text])).toEqual([["in", `Запишите к ${staff.name} на стрижку`], ["out", answer.replies[0]]]);
    // The statistics do not count the test chat.
    const results = await salonResults(w.db.db, w.clock, salon.salonId);
    expect(results.series.find((s) => s.key === "messages_in")!.total).toBe(0);
    expect(results.series.find((s) => s.key === "messages_out")!.total).toBe(0);
  });

  it("never hands over: the reason is shown, nobody is notified and the chat is not paused", async () => {
    const salon = await createSalon(w);
    w.gemini.script([
      { calls: [{ name: "handover", args: { reason: "Клиент просит администратора" } }] },
      { text: "Передала ваш вопрос администратору." },
    ], { forPhone: testChatPhone(OWNER) });
    const sentBefore = w.gateway.sent.length;
    const answer = await testChatSend(assistantDeps(w.fn.services), salon.salonId, OWNER, "Позовите администратора");
    expect(answer.handover).toBe("Клиент просит администратора");
    expect(w.gateway.sent.length).toBe(sentBefore);
    expect((await getConversation(w.db.db, salon.salonId, testChatPhone(OWNER)))!.paused_until).toBeNull();
    const results = await salonResults(w.db.db, w.clock, salon.salonId);
    expect(results.series.find((s) => s.key === "handovers")!.total).toBe(0);
  });

  it("says the assistant is off without a model key", async () => {
    const salon = await createSalon(w);
    await expect(testChatSend(assistantDeps(w.fnWithoutModel.services), salon.salonId, OWNER, "Привет")).rejects.toSatisfy(
      (e: unknown) => e instanceof TestChatError && e.code === "assistant_off" && /GEMINI_API_KEY/.test(e.message));
  });
});

describe("assistant on/off and handover phone", () => {
  it("switched off by the owner, answers with the fixed reply and hands the chat to the phone the owner set", async () => {
    const salon = await createSalon(w);
    const who = { salonId: salon.salonId, userId: OWNER, defaultDelaySec: 30 };
    await expect(changeSettings(w.db.db, w.clock, who, "assistant", { handover_phone: "12ab" })).rejects.toThrow(SettingsError);
    await changeSettings(w.db.db, w.clock, who, "assistant", { enabled: false, handover_phone: "+7 916 000-00-99" });
    const history = await settingsHistory(w.db.db, salon.salonId);
    expect(history.map((h) => [h.key, h.old, h.new])).toEqual(expect.arrayContaining([["enabled", true, false], ["handover_phone", "", "79160000099"]]));

    const requestsBefore = w.gemini.requests.length;
    const client = newPhone();
    await clientWrites(w, salon, client, "Здравствуйте, можно записаться?");
    await settle(w);
    expect(w.gemini.requests.length).toBe(requestsBefore);
    expect(w.gateway.to(salon.salonId, client)).toEqual([TEXTS.assistantOff]);
    expect(w.gateway.to(salon.salonId, "79160000099")[0]).toContain("Ассистент выключен в кабинете");
    expect(w.gateway.to(salon.salonId, salon.salonPhone)).toEqual([]);
  });
});
