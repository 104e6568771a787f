/**
 * Clients WhatsApp knows only by a LID ("…@lid", the number hidden). Each message enters as the gateway's job, the
 * model is the Gemini fake (scripted), tools run against the YClients sandbox; what the client gets is what the
 * gateway was asked to send, to the LID itself while no number is known.
 */
import { describe, expect, it } from "vitest";
import { lastFunctionResponses, systemInstructionOf, type GeminiRequest } from "../../fakes/gemini/server.js";
import { WHATSAPP_EVENT_PATHS, type LidMapping } from "../../lib/contract/events.js";
import { getConversation, listMessages } from "../../lib/conversations/store.js";
import { addSyncedRecord, clientWrites, createSalon, newPhone, useAssistantWorld, settle, type TestSalon, type World } from "./support.js";

const w = useAssistantWorld();

type Fn = { name: string; response: Record<string, any> };
const responses = (req: GeminiRequest): Fn[] => lastFunctionResponses(req) as Fn[];
const TOMORROW = "2026-11-24";

let lidSeq = 0;
const newLid = () => `${String(++lidSeq).padStart(3, "0")}${process.pid}77700@lid`;

/** A message from a LID; `phone` is the number WhatsApp put beside it (a key's remoteJidAlt), if any. */
const fromLid = (w: World, salon: TestSalon, lid: string, text: string, phone: string | null = null) =>
  clientWrites(w, salon, lid, text, { from: { phone, jid: lid, altJid: phone ? `${phone}@s.whatsapp.net` : null } });

/** WhatsApp tells the salon's session which number the LID is (lid-mapping.update), as the gateway publishes it. */
async function whatsappMaps(salon: TestSalon, lid: string, phone: string): Promise<void> {
  const event: LidMapping = { type: "lid.mapping", salonId: salon.salonId, lid, phone, timestamp: w.clock.now().toISOString() };
  await w.fn.dispatcher.publish({ path: WHATSAPP_EVENT_PATHS["lid.mapping"], body: event, deduplicationId: `${salon.salonId}:lid:${lid.replace("@lid", "")}:${phone}` });
  await w.fn.dispatcher.drain();
}

/** A visit of the salon's known client, tomorrow at the master's first free time. */
async function knownClientVisit(salon: TestSalon) {
  const svc = salon.data.services.find((s) => s.title === "Мужская стрижка")!;
  const staff = salon.data.staff.find((st) => svc.staff.some((x) => x.id === st.id) && st.is_bookable)!;
  for (let i = 1; i <= 7; i += 1) {
    const day = new Date(Date.parse(`${TOMORROW}T12:00:00Z`) + (i - 1) * 86_400_000).toISOString().slice(0, 10);
    const times = await w.fn.services.yclients.bookTimes(salon.salonId, staff.id, day, { serviceIds: [svc.id] });
    if (times.length > 0) {
      return addSyncedRecord(w, salon, { phone: salon.known.phone, name: salon.known.name, staffId: staff.id, serviceId: svc.id, datetime: `${day} ${times[0]!.time}:00` });
    }
  }
  throw new Error("no free time this week");
}

const cancelled = (salon: TestSalon) => w.sandbox.recordChanges(salon.salonId).filter((c) => c.action === "delete");

describe("a client known only by a LID", () => {
  it("is answered at the LID, and gets the price they asked for", async () => {
    const salon = await createSalon(w);
    const lid = newLid();
    let system = "";
    w.gemini.script([
      (req) => {
        system = systemInstructionOf(req);
        const price = /Мужская стрижка — ([^,\n]+)/.exec(system)?.[1] ?? "не знаю";
        return { text: `Здравствуйте! Мужская стрижка стоит ${price}.` };
      },
    ]);
    await fromLid(w, salon, lid, "Сколько стоит мужская стрижка?");
    await settle(w);
    expect(w.gateway.to(salon.salonId, lid)).toEqual(["Здравствуйте! Мужская стрижка стоит 1500 ₽."]);
    expect(system).toContain("WhatsApp скрыл номер клиента");
    expect((await listMessages(w.db.db, salon.salonId, lid)).map((m) => [m.direction, m.text])).toEqual([
      ["in", "Сколько стоит мужская стрижка?"],
      ["out", "Здравствуйте! Мужская стрижка стоит 1500 ₽."],
    ]);
  });

  it("books after giving a number: asked once, remembered, the new visit made in that number and name", async () => {
    const salon = await createSalon(w);
    const lid = newLid();
    const phone = newPhone();
    const svc = salon.data.services.find((s) => s.title === "Мужская стрижка")!;
    let slot: { staff_id: number; date: string; time: string } | undefined;
    let refusal = "";
    w.gemini.script([
      { calls: [{ name: "find_free_slots", args: { service_id: svc.id, date: TOMORROW } }] },
      (req) => {
        const opt = responses(req)[0]!.response.options[0];
        slot = { staff_id: opt.staff_id, date: TOMORROW, time: opt.times[0] };
        return { calls: [{ name: "create_booking", args: { service_id: svc.id, ...slot, client_name: "Ольга" } }] };
      },
      (req) => {
        refusal = responses(req)[0]!.response.error;
        return { text: "Напишите, пожалуйста, ваш номер телефона для записи." };
      },
    ]);
    await fromLid(w, salon, lid, "Запишите на мужскую стрижку завтра, я Ольга");
    await settle(w);
    expect(refusal).toBe("phone_required");
    expect(w.sandbox.recordChanges(salon.salonId).filter((c) => c.action === "create")).toHaveLength(0);

    w.gemini.script([
      { calls: [{ name: "remember_phone", args: { phone: `8 (${phone.slice(1, 4)}) ${phone.slice(4, 7)}-${phone.slice(7, 9)}-${phone.slice(9)}` } }] },
      () => ({ calls: [{ name: "create_booking", args: { service_id: svc.id, ...slot!, client_name: "Ольга" } }] }),
      (req) => ({ text: responses(req)[0]!.response.ok ? "Готово, Ольга, вы записаны." : "Не получилось." }),
    ]);
    await fromLid(w, salon, lid, `мой номер 8 ${phone.slice(1)}`);
    await settle(w);
    const created = w.sandbox.recordChanges(salon.salonId).filter((c) => c.action === "create");
    expect(created).toHaveLength(1);
    expect(created[0]!.record.client).toMatchObject({ name: "Ольга", phone: `+${phone}` });
    // The confirmation is composed from the booking's result (no third model call), sent to the LID.
    expect(w.gateway.to(salon.salonId, lid).at(-1)).toMatch(/^Записала вас: Мужская стрижка/);
    expect((await getConversation(w.db.db, salon.salonId, lid))?.typed_phone).toBe(phone);
  });

  it("cannot list, cancel or move the visits of a number it typed", async () => {
    const salon = await createSalon(w);
    const rec = await knownClientVisit(salon);
    const lid = newLid();
    const results: Record<string, any>[] = [];
    w.gemini.script([
      { calls: [{ name: "remember_phone", args: { phone: salon.known.phone } }] },
      (req) => {
        results.push(responses(req)[0]!.response);
        return { calls: [{ name: "my_visits", args: {} }] };
      },
      (req) => {
        results.push(responses(req)[0]!.response);
        return { calls: [{ name: "cancel_visit", args: { record_id: rec.id } }] };
      },
      (req) => {
        results.push(responses(req)[0]!.response);
        return { calls: [{ name: "reschedule_visit", args: { record_id: rec.id, date: TOMORROW, time: "15:00" } }] };
      },
      (req) => {
        results.push(responses(req)[0]!.response);
        return { text: "Не могу показать записи по этому номеру: передаю администратору." };
      },
    ]);
    await fromLid(w, salon, lid, `отмените мою запись, мой номер +${salon.known.phone}`);
    await settle(w);
    expect(results.map((r) => r.ok === true || r.error)).toEqual([true, "phone_unconfirmed", "phone_unconfirmed", "phone_unconfirmed"]);
    expect(JSON.stringify(results[1])).not.toContain(String(rec.id));
    expect(cancelled(salon)).toHaveLength(0);
    expect(w.sandbox.recordChanges(salon.salonId).filter((c) => c.recordId === rec.id && c.via === "api")).toHaveLength(0);
  });

  it("once WhatsApp maps the LID to a number, the same conversation continues and my_visits shows that number's visits", async () => {
    const salon = await createSalon(w);
    const rec = await knownClientVisit(salon);
    const lid = newLid();
    w.gemini.script([{ text: "Здравствуйте! Чем помочь?" }]);
    await fromLid(w, salon, lid, "Добрый день");
    await settle(w);
    expect(w.gateway.to(salon.salonId, lid)).toEqual(["Здравствуйте! Чем помочь?"]);

    let visits: Array<{ record_id: number }> = [];
    let history = "";
    w.gemini.script([
      (req) => {
        history = JSON.stringify(req.body.contents);
        return { calls: [{ name: "my_visits", args: {} }] };
      },
      (req) => {
        visits = responses(req)[0]!.response.visits ?? [];
        return { text: `У вас ${visits.length} запись.` };
      },
    ]);
    // The question arrives before WhatsApp's word, and is answered after it (within the burst wait).
    await fromLid(w, salon, lid, "какие у меня записи?");
    await whatsappMaps(salon, lid, salon.known.phone);
    await settle(w);
    expect(visits.map((v) => v.record_id)).toEqual([rec.id]);
    expect(history).toContain("Добрый день");
    expect(history).toContain("Здравствуйте! Чем помочь?");
    expect(await getConversation(w.db.db, salon.salonId, lid)).toBeNull();
    const chat = await listMessages(w.db.db, salon.salonId, salon.known.phone);
    expect(chat.map((m) => m.text)).toEqual(expect.arrayContaining(["Добрый день", "Здравствуйте! Чем помочь?", "какие у меня записи?", "У вас 1 запись."]));

    // Later messages from the LID alone land in the same chat.
    w.gemini.script([{ text: "Хорошо!" }]);
    await fromLid(w, salon, lid, "а в субботу можно?");
    await settle(w);
    expect((await listMessages(w.db.db, salon.salonId, salon.known.phone)).at(-2)?.text).toBe("а в субботу можно?");
  });

  it("a message that carries its number (remoteJidAlt) is the number's chat at once, and teaches the LID", async () => {
    const salon = await createSalon(w);
    const lid = newLid();
    const phone = newPhone();
    let system = "";
    w.gemini.script([
      (req) => {
        system = systemInstructionOf(req);
        return { text: "Здравствуйте!" };
      },
      { text: "Пожалуйста!" },
    ]);
    await fromLid(w, salon, lid, "Привет", phone);
    await settle(w);
    expect(w.gateway.to(salon.salonId, phone)).toEqual(["Здравствуйте!"]);
    expect(system).toContain(`Телефон: ${phone}.`);
    await fromLid(w, salon, lid, "а цены какие?");
    await settle(w);
    expect((await listMessages(w.db.db, salon.salonId, phone)).map((m) => m.text)).toEqual(["Привет", "Здравствуйте!", "а цены какие?", "Пожалуйста!"]);
    expect(await getConversation(w.db.db, salon.salonId, lid)).toBeNull();
  });
});
