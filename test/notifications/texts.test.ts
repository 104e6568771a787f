import { describe, expect, it } from "vitest";
import type { StoredRecord } from "../../lib/bookings/store.js";
import { isConfirmation } from "../../lib/notifications/reminder-reply.js";
import { DEFAULT_TEMPLATES, TEXT_KINDS, templateProblem } from "../../lib/notifications/templates.js";
import { renderNotification, type RenderInput } from "../../lib/notifications/texts.js";

const record: StoredRecord = {
  salon_id: 1, record_id: 10, client_id: 5, client_phone: "79990000000", client_name: "Мария Иванова",
  staff_id: 2, staff_name: "Анна", service_ids: [1, 2],
  services: [{ id: 1, title: "Стрижка", cost: 2500, amount: 1 }, { id: 2, title: "Укладка", cost: 1200, amount: 1 }],
  starts_at: "2026-08-21T13:00:00Z", duration_sec: 3600, attendance: 0, deleted: false, created_by_us: false,
  yc_created_at: null, yc_changed_at: null, version: 0,
};
const salon = { title: "Салон «Лето»", address: "Казань, ул. Баумана, 7", timezone: "Europe/Moscow", company: null };

function render(over: Partial<RenderInput>): string | null {
  return renderNotification({ id: 1, kind: "booking_created", data: {}, record, salon, now: new Date("2026-08-21T09:00:00Z"), ...over });
}

describe("notification texts", () => {
  it("write the date as '21 августа', in the salon's time zone, with its own address and the price when known", () => {
    const moscow = render({})!;
    expect(moscow).toContain("📅 21 августа в 16:00");
    expect(moscow).toContain("💰 Стоимость: 3\u00a0700 руб.");
    expect(moscow).toContain("📍 Адрес: Казань, ул. Баумана, 7");
    const yekaterinburg = render({ salon: { ...salon, timezone: "Asia/Yekaterinburg" } })!;
    expect(yekaterinburg).toContain("📅 21 августа в 18:00");

    const unknownPrice = render({ record: { ...record, services: [record.services[0]!, { id: 2, title: "Укладка", cost: null, amount: 1 }] } })!;
    expect(unknownPrice).not.toContain("Стоимость");
    const noAddress = render({ salon: { ...salon, address: null } })!;
    expect(noAddress).not.toContain("Адрес");
    expect(noAddress).not.toContain("Малаховка");
  });

  it("never greet the master, never say 'Вашему визиту', and greet by the hour of the salon's day", () => {
    for (let id = 0; id < 40; id++) {
      for (const kind of ["reminder_day_before", "reminder_hours_before"] as const) {
        const text = render({ id, kind, now: new Date("2026-08-20T16:00:00Z") })!;
        expect(text).not.toMatch(/(Здравствуйте|Добр\S+ \S+|Приветствую), Анна/);
        expect(text).not.toContain("Вашему визиту");
        expect(text).toContain("Мария");
      }
    }
    expect(render({ kind: "reminder_day_before", now: new Date("2026-08-20T16:00:00Z") })).toMatch(/^(Добрый вечер|Мария, добрый вечер)/);
    expect(render({ kind: "reminder_day_before", now: new Date("2026-08-20T06:00:00Z") })).toMatch(/^(Доброе утро|Мария, доброе утро)/);
    const anonymous = render({ kind: "reminder_hours_before", record: { ...record, client_name: null } })!;
    expect(anonymous).toMatch(/^Здравствуйте!/);
  });

  it("a change notice names what changed, and there is none when the change was undone", () => {
    const old = { starts_at: "2026-08-21T12:00:00Z", staff_id: 2, staff_name: "Анна", services: record.services, service_ids: [2, 1] };
    const text = render({ kind: "booking_changed", data: { old } })!;
    expect(text).toContain("🕐 Время: 21 августа в 15:00 → 21 августа в 16:00");
    expect(text).not.toContain("Мастер: Анна →");
    expect(text).not.toContain("Услуги:");
    expect(render({ kind: "booking_changed", data: { old: { ...old, starts_at: record.starts_at } } })).toBeNull();
  });
});

describe("reminder confirmations", () => {
  it("recognise a yes, and not a yes with a doubt", () => {
    for (const yes of ["да", "Да!", "ок", "Ok", "приду", "Да, приду", "буду", "всё в силе", "👍", "✅", "👍🏻", "❤️", "спасибо, буду", "+"]) {
      expect(isConfirmation(yes), yes).toBe(true);
    }
    for (const no of ["нет", "не приду", "да, но можно перенести?", "можно на час позже", "отмените", "да?", "дайте подумать", "👎", "", "Здравствуйте, а сколько стоит стрижка?"]) {
      expect(isConfirmation(no), no).toBe(false);
    }
  });
});

describe("names in Russian cases", () => {
  // Names stay as YClients has them (nominative); the texts only put them where the nominative is right.
  const staffName = "Анна Попова";
  const named = { ...record, staff_name: staffName };

  it("built-in texts put the master's name only after «Мастер:» or an arrow, never after a preposition", () => {
    const old = { starts_at: "2026-08-21T12:00:00Z", staff_id: 3, staff_name: "Ольга", services: record.services, service_ids: [1, 2] };
    for (let id = 0; id < 40; id++) {
      for (const kind of ["booking_created", "booking_changed", "booking_cancelled", "reminder_day_before", "reminder_hours_before"] as const) {
        const text = render({ id, kind, record: named, data: kind === "booking_changed" ? { old } : {}, now: new Date("2026-08-20T16:00:00Z") }) ?? "";
        for (const m of text.matchAll(new RegExp(`(\\S+\\s)?${staffName}`, "g"))) {
          expect(["Мастер: ", "→ "]).toContain(m[1] ?? "");
        }
      }
    }
  });

  it("an owner's text with a preposition before a name is refused with a wording that keeps the nominative", () => {
    expect(templateProblem("reminder_day_before", "Завтра вы записаны к {мастер} в {время}")).toMatch(/«к \{мастер\}».*«Мастер: \{мастер\}»/);
    expect(templateProblem("reminder_day_before", "Ждём вас на {услуги}")).toMatch(/«на \{услуги\}».*«Услуги: \{услуги\}»/);
    expect(templateProblem("booking_created", "Спасибо, что выбрали нас! У {мастер} для вас всё готово")).toMatch(/«У \{мастер\}»/);
    expect(templateProblem("reminder_day_before", "Завтра в {время} вас ждёт {мастер}. Мастер: {мастер}")).toBeNull();
    expect(templateProblem("reminder_day_before", "{приветствие}, {имя}! Запись на завтра, {услуги}")).toBeNull();
    for (const kind of TEXT_KINDS) expect(templateProblem(kind, DEFAULT_TEMPLATES[kind])).toBeNull();
  });
});
