/** The fast literal matches of "stop" and "delete my data": whole short requests only, anything more is the assistant's. */
import { describe, expect, it } from "vitest";
import { dataRemovalRequest, stopRequest } from "../../lib/outreach/opt-out.js";

describe("the stop match", () => {
  it.each([
    ["стоп", true], ["Стоп!", true], ["STOP", true], ["отписаться", true], ["Отпишите меня, пожалуйста", true],
    ["Не пишите мне больше", true], ["не присылайте рекламу", true], ["Хватит писать", true], ["больше не пишите", true],
    ["уберите меня из рассылки", true], ["не беспокойте", true], ["спасибо, стоп", true],
    ["стоп, перенесите на пятницу", false], ["не пишите мастеру, что я опоздаю", false], ["запишите меня", false],
    ["стопка полотенец", false], ["", false], ["отписаться от записи на завтра", false],
  ])("%j → %s", (text, expected) => {
    expect(stopRequest(text)).toBe(expected);
  });
});

describe("the data-removal match", () => {
  it.each([
    ["Удалите мои данные", true], ["удалите пожалуйста все мои данные", true], ["Прошу удалить мои персональные данные", true],
    ["сотрите мой номер", true], ["удалите меня из базы", true],
    ["удалите запись на завтра", false], ["стоп", false], ["какие данные вам нужны для записи?", false],
  ])("%j → %s", (text, expected) => {
    expect(dataRemovalRequest(text)).toBe(expected);
  });
});
