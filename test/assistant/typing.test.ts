/**
 * Typing-aware bursts, the functions' side: the reply waits a short quiet window after the client's last message,
 * keeps waiting while WhatsApp says the client is typing (the gateway keeps that in chat_presence while a reply is
 * pending), answers soon after they stop, and answers at the salon's cap however long they "type".
 */
import { beforeAll, describe, expect, it } from "vitest";
import { listTurns } from "../../lib/assistant/store.js";
import { GatewayStore } from "../../whatsapp-gateway/store.js";
import { clientWrites, createSalon, newChat, newPhone, useAssistantWorld, type TestSalon } from "./support.js";

const w = useAssistantWorld();
let gatewayStore: GatewayStore;
beforeAll(() => {
  gatewayStore = new GatewayStore(w.db.db);
});

/** What the gateway records when the client's phone reports typing (or its end). */
const clientIs = (salon: TestSalon, phone: string, state: "composing" | "paused") => gatewayStore.presenceNote(salon.salonId, phone, state, w.clock.now());

/** Time passes by `ms`; every job due by then runs. */
async function after(ms: number): Promise<void> {
  w.clock.advance(ms);
  await w.fn.dispatcher.drain();
}

const userText = (i: number) => w.gemini.requests[i]!.body.contents.filter((c) => c.role === "user").at(-1)!.parts.map((p) => String(p.text ?? "")).join("\n");

describe("typing-aware burst", () => {
  it("answers a single message after the quiet window, with one model call", async () => {
    const { salon, phone } = await newChat(w);
    w.gemini.script([{ text: "До 21:00." }]);
    await clientWrites(w, salon, phone, "до скольки работаете?");
    expect(w.gateway.to(salon.salonId, phone)).toEqual([]);
    await after(1_000);
    expect(w.gateway.to(salon.salonId, phone)).toEqual(["До 21:00."]);
    expect((await listTurns(w.db.db, salon.salonId, phone))[0]).toMatchObject({ status: "answered", model_calls: 1 });
  });

  it("waits while the client types, and answers the whole burst once soon after they stop", async () => {
    const { salon, phone } = await newChat(w);
    w.gemini.script([{ text: "Есть завтра в 12:00 и 15:00." }]);
    await clientWrites(w, salon, phone, "хочу на маникюр");
    await after(300);
    await clientIs(salon, phone, "composing");
    await after(3_000);
    await clientIs(salon, phone, "composing"); // still typing: WhatsApp repeats it
    await after(2_000);
    expect(w.gemini.requests).toHaveLength(0);
    await clientWrites(w, salon, phone, "завтра, после обеда");
    await after(500);
    await clientIs(salon, phone, "composing");
    await after(2_000);
    expect(w.gemini.requests).toHaveLength(0);
    await clientIs(salon, phone, "paused");
    await after(1_000);
    expect(w.gemini.requests).toHaveLength(1);
    expect(userText(0)).toBe("хочу на маникюр\nзавтра, после обеда");
    expect(w.gateway.to(salon.salonId, phone)).toEqual(["Есть завтра в 12:00 и 15:00."]);
    expect(await listTurns(w.db.db, salon.salonId, phone)).toHaveLength(1);
  });

  it("a client who types forever is answered at the salon's cap after their last message", async () => {
    const salon = await createSalon(w, { settings: { assistant: { typing_wait_max_sec: 5 } } });
    const phone = newPhone();
    w.gemini.script([{ text: "Слушаю вас." }]);
    await clientWrites(w, salon, phone, "подскажите");
    for (let s = 0; s < 4; s++) {
      await clientIs(salon, phone, "composing");
      await after(1_000);
    }
    await clientIs(salon, phone, "composing");
    await after(900);
    expect(w.gateway.to(salon.salonId, phone)).toEqual([]);
    await after(1_100);
    expect(w.gateway.to(salon.salonId, phone)).toEqual(["Слушаю вас."]);
  });

  it("typing reported before the message was sent is not taken for more to come", async () => {
    const { salon, phone } = await newChat(w);
    w.gemini.script([{ text: "Да." }]);
    await clientIs(salon, phone, "composing");
    w.clock.advance(200);
    await clientWrites(w, salon, phone, "вы открыты?");
    await after(1_000);
    expect(w.gateway.to(salon.salonId, phone)).toEqual(["Да."]);
  });
});
