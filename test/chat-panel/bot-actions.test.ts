/**
 * Issue 16: the panel's history says what the bot did with visits, from the assistant's real booking tools (the
 * Gemini fake scripts the calls, the tools run against the YClients sandbox) read back through the panel's own
 * history call.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { lastFunctionResponses } from "../../fakes/gemini/server.js";
import { chatHistory } from "../../lib/chat-panel/store.js";
import { START, clientWrites, createSalon, openWorld, settle, type World } from "../assistant/support.js";

let w: World;

beforeAll(async () => {
  w = await openWorld();
  w.clock.set(START);
});

afterAll(async () => {
  await w?.close();
});

it("shows under the bot's reply the visit it booked, and under a later reply the visit it cancelled", async () => {
  const salon = await createSalon(w);
  const svc = salon.data.services.find((s) => s.title === "Мужская стрижка")!;
  const staff = salon.data.staff.find((st) => svc.staff.some((x) => x.id === st.id) && st.is_bookable)!;
  let time = "";
  let recordId = 0;
  w.gemini.script([
    { calls: [{ name: "find_free_slots", args: { service_id: svc.id, staff_id: staff.id, date: "2026-11-24" } }] },
    (req) => {
      time = (lastFunctionResponses(req)[0]!.response as { options: Array<{ times: string[] }> }).options[0]!.times[0]!;
      return { calls: [{ name: "create_booking", args: { service_id: svc.id, staff_id: staff.id, date: "2026-11-24", time } }] };
    },
  ]);
  await clientWrites(w, salon, salon.known.phone, `Запишите к ${staff.name} на стрижку завтра`);
  await settle(w);

  w.gemini.script([
    { calls: [{ name: "my_visits", args: {} }] },
    (req) => {
      recordId = (lastFunctionResponses(req)[0]!.response as { visits: Array<{ record_id: number }> }).visits[0]!.record_id;
      return { calls: [{ name: "cancel_visit", args: { record_id: recordId } }] };
    },
    { text: "Отменила запись." },
  ]);
  w.clock.advance(60_000);
  await clientWrites(w, salon, salon.known.phone, "Ой, отмените, пожалуйста");
  await settle(w);

  const history = await chatHistory(w.db.db, salon.salonId, salon.known.phone, {});
  const replies = history.filter((m) => m.direction === "out");
  expect(replies).toHaveLength(2);
  expect(replies[0]!.bot_actions).toEqual([
    expect.objectContaining({ action: "booked", what: "Мужская стрижка", staff_name: staff.name, date: "2026-11-24", time }),
  ]);
  expect(replies[1]!.bot_actions).toEqual([expect.objectContaining({ action: "cancelled", record_id: recordId, what: "Мужская стрижка", time })]);
  expect(history.filter((m) => m.direction === "in").every((m) => m.bot_actions === null)).toBe(true);
});
