/**
 * Reactions, through the real gateway (emulator transport): a 👎 or 🤔 on a reminder gets the original's fixed text
 * once; a client's "спасибо" or goodbye gets ❤️ on their message and no words; anything more gets an answer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processRecordUpdates } from "../../lib/bookings/process-records.js";
import { isThanksOrGoodbye } from "../../lib/conversations/thanks.js";
import { reactionTone } from "../../lib/notifications/reminder-reply.js";
import { runReminderTick } from "../../lib/notifications/reminders.js";
import { useBookingsWorld, type Wa } from "../bookings/world.js";
import { nextSalonId } from "../support/harness.js";

const w = useBookingsWorld("2026-11-23T07:00:00Z");

/** Until the gateway has handed its events to the dispatcher, the jobs ran and `done` holds (sends are spaced). */
async function settle(done: () => boolean) {
  for (let i = 0; i < 200 && !done(); i++) {
    await new Promise((r) => setTimeout(r, 20));
    await w.after(5);
  }
}

/** Lets the assistant's burst wait pass and the gateway's queue drain, then what went to `phone`. */
async function quietly(wa: Wa, phone: string) {
  for (let i = 0; i < 10; i++) {
    await new Promise((r) => setTimeout(r, 20));
    await w.after(6);
  }
  return wa.outbox().filter((m) => m.to === `${phone}@s.whatsapp.net`);
}

/** Visits booked yesterday, reminded this evening: the reminder each client got. */
async function remindedClients(salonId: number, wa: Wa, visits: Array<{ phone: string; at: string }>) {
  for (const v of visits) {
    const rec = w.sandbox.addRecord(salonId, { datetime: v.at, clientPhone: `+${v.phone}`, clientName: "Мария" });
    await processRecordUpdates(w.services, salonId, [{ ...rec, create_date: "2026-11-22T10:00:00+0300" }], { source: "sync" });
  }
  w.clock.set("2026-11-23T16:10:00Z");
  await runReminderTick(w.services);
  await w.drain();
  const jids = visits.map((v) => `${v.phone}@s.whatsapp.net`);
  await settle(() => jids.every((jid) => wa.outbox().some((m) => m.to === jid)));
  return jids.map((jid) => wa.outbox().find((m) => m.to === jid)!);
}

describe("reactions", () => {
  let salonId: number;
  let wa: Wa;
  beforeAll(async () => {
    salonId = nextSalonId();
    await w.activeSalon(salonId);
    wa = await w.useEmulator(salonId);
  });
  afterAll(() => w.useRecordingGateway());

  it("👎 on a reminder offers to move the visit, once; 🤔 asks whether it stands", async () => {
    const declining = "79135550101";
    const unsure = "79135550102";
    const [reminder, second] = await remindedClients(salonId, wa, [
      { phone: declining, at: "2026-11-24 10:00:00" },
      { phone: unsure, at: "2026-11-24 12:00:00" },
    ]);
    expect(reminder!.text).toMatch(/завтра в 10:00/i);
    await wa.inbound({ from: declining, text: "👎", reactTo: reminder!.id });
    await wa.inbound({ from: declining, text: "😢", reactTo: reminder!.id });
    const toDeclining = await quietly(wa, declining);
    expect(toDeclining.map((m) => m.text)).toEqual([
      reminder!.text,
      "Понял вас. Вижу, что запись завтра в 10:00 вам не подходит. Хотите перенести на другое время? Просто напишите когда вам удобно, и я помогу с переносом.",
    ]);

    await wa.inbound({ from: unsure, text: "🤔", reactTo: second!.id });
    expect((await quietly(wa, unsure)).map((m) => m.text).slice(1)).toEqual([
      "Вижу вашу реакцию на напоминание о записи завтра в 12:00. Всё в силе? Если нужно перенести запись, просто напишите когда вам удобно.",
    ]);
  });

  it("a thanks or a goodbye gets ❤️ on the client's message and no words; a thanks with a question is answered", async () => {
    const client = "79135550103";
    const thanks = await wa.inbound({ from: client, text: "Спасибо большое! До встречи 👋" });
    const out = await quietly(wa, client);
    expect(out).toEqual([expect.objectContaining({ text: "❤️", reactTo: thanks })]);

    const asking = "79135550104";
    await wa.inbound({ from: asking, text: "Спасибо! А в субботу вы работаете?" });
    const answered = await quietly(wa, asking);
    expect(answered.some((m) => m.reactTo)).toBe(false);
    expect(answered.length).toBeGreaterThan(0);
  });

  it("a reaction accepted twice under one key is one reaction", async () => {
    const client = "79135550105";
    const msg = await wa.inbound({ from: client, text: "пока" });
    await quietly(wa, client);
    const again = await w.services.gateway.react(salonId, { to: `${client}@s.whatsapp.net`, messageId: msg, emoji: "❤️", idempotencyKey: `thanks:${salonId}:${msg}` });
    expect((await quietly(wa, client)).map((m) => [m.id, m.text, m.reactTo])).toEqual([[again.messageId, "❤️", msg]]);
  });
});

describe("the thanks rule", () => {
  it.each([
    ["спасибо", true], ["Спасибо большое!", true], ["спс", true], ["Благодарю 🙏", true], ["до свидания", true],
    ["Всего доброго!", true], ["спасибо, до встречи", true], ["Хорошего дня", true], ["спасибо, больше ничего не нужно", true],
    ["ок, спасибо за помощь", true], ["thanks", true], ["пока", true],
    ["спасибо, а сколько стоит стрижка?", false], ["спасибо, перенесите на 5", false], ["пока не знаю", false],
    ["ок", false], ["да", false], ["👍", false], ["", false], ["спасибо но я не приду", false],
  ])("%j → %s", (text, expected) => {
    expect(isThanksOrGoodbye(text)).toBe(expected);
  });

  it("tells a negative reaction from a neutral one", () => {
    expect(reactionTone("👎")).toBe("negative");
    expect(reactionTone("👎🏻")).toBe("negative");
    expect(reactionTone("😢")).toBe("negative");
    expect(reactionTone("🤔")).toBe("neutral");
    expect(reactionTone("😐")).toBe("neutral");
    expect(reactionTone("🔥")).toBe("neutral");
  });
});
