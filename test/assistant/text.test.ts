/** The text rules the client sees directly: greetings that are not due, WhatsApp-friendly splitting, honest claims. */
import { describe, expect, it } from "vitest";
import { startsWithGreeting, stripGreeting } from "../../lib/conversations/greeting.js";
import { splitReply, unbackedClaims } from "../../lib/assistant/reply.js";
import { samePhone } from "../../lib/phone/index.js";

describe("greeting guard", () => {
  it.each([
    ["Здравствуйте, Анна! Стрижка стоит 1500 ₽.", "Стрижка стоит 1500 ₽."],
    ["Добрый день, чем могу помочь?", "Чем могу помочь?"],
    ["Доброе утро! Здравствуйте. Есть окно в 12:00", "Есть окно в 12:00"],
    ["Привет) да, есть", "Да, есть"],
    ["Хорошо, записала вас", "Хорошо, записала вас"],
    ["Приветственный бонус 10%", "Приветственный бонус 10%"],
  ])("%s → %s", (input, out) => {
    expect(stripGreeting(input)).toBe(out);
  });

  it("keeps a message that is nothing but a greeting rather than sending an empty one", () => {
    expect(stripGreeting("Здравствуйте!")).toBe("Здравствуйте!");
    expect(startsWithGreeting("Здравствуйте!")).toBe(true);
  });
});

describe("reply splitting", () => {
  it("drops markdown and never sends more than three messages, losing nothing", () => {
    const parts = splitReply("## Цены\n\n**Стрижка** — 1500 ₽\n\n* Укладка — 1800 ₽\n\nРаз\n\nДва");
    expect(parts).toEqual(["Цены", "Стрижка — 1500 ₽", "— Укладка — 1800 ₽\n\nРаз\n\nДва"]);
  });

  it("removes leaked reasoning tags", () => {
    expect(splitReply("[THINK]имя неизвестно[/THINK]Как вас зовут?")).toEqual(["Как вас зовут?"]);
  });
});

describe("claims", () => {
  it("flags a booking, cancellation or move that no successful tool backs", () => {
    expect(unbackedClaims("Записала вас на завтра в 12:00", new Set())).toEqual(["create_booking"]);
    expect(unbackedClaims("Записала вас на завтра в 12:00", new Set(["create_booking"]))).toEqual([]);
    expect(unbackedClaims("Ваша запись отменена", new Set(["create_booking"]))).toEqual(["cancel_visit"]);
    expect(unbackedClaims("Перенесла вашу запись на 15:00", new Set())).toEqual(["reschedule_visit"]);
    expect(unbackedClaims("Хотите записаться на завтра?", new Set())).toEqual([]);
  });
});

describe("phone matching", () => {
  it("matches the same number in YClients' and WhatsApp's spellings only", () => {
    expect(samePhone("+7 (916) 123-45-67", "79161234567", "RU")).toBe(true);
    expect(samePhone("89161234567", "79161234567", "RU")).toBe(true);
    expect(samePhone("79161234568", "79161234567", "RU")).toBe(false);
    expect(samePhone(null, "79161234567", "RU")).toBe(false);
  });
});
