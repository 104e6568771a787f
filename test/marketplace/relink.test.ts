/**
 * A salon's WhatsApp logged out on the phone and linked again on the onboarding page: the owner gets the welcome in
 * their own chat again (as the original did on every link), once per new link however often the event comes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WHATSAPP_EVENT_PATHS } from "../../lib/contract/events.js";
import { welcomeText } from "../../lib/marketplace/welcome.js";
import { getSalon, listMarketplaceEvents } from "../../lib/salons/store.js";
import { nextSalonId } from "../support/harness.js";
import { activate, register, startStack, type Stack } from "./support.js";

let st: Stack;
beforeAll(async () => {
  st = await startStack();
}, 120_000);
afterAll(async () => {
  await st?.close();
});

const welcomes = async (salonId: number) => (await st.outbox(salonId)).filter((m) => m.text === welcomeText("79006667788"));

async function whatsAppState(salonId: number, state: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    await st.fx.drain();
    if ((await getSalon(st.db.db, salonId))?.whatsapp_state === state) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`salon ${salonId} never reached WhatsApp state ${state}`);
}

describe("re-linking WhatsApp", () => {
  it("welcomes the owner again once per new link; the first link is welcomed by the activation alone", async () => {
    const salonId = nextSalonId();
    const token = await register(st.fx, salonId);
    await st.scan(salonId, "79006667788");
    expect((await activate(st.fx, token)).status).toBe(200);
    await st.fx.drain();
    expect(await welcomes(salonId)).toHaveLength(1);

    // The owner unlinks the device on the phone, then scans the new QR on the onboarding page.
    st.gw.emulator!.session(salonId)!.disconnect(401);
    await whatsAppState(salonId, "logged_out");
    await st.scan(salonId, "79006667788");
    await whatsAppState(salonId, "connected");
    expect(await welcomes(salonId)).toHaveLength(2);

    // The same link's event delivered again (another dedupe id, as after a lost acknowledgement) sends nothing more.
    const [connected] = (await listMarketplaceEvents(st.db.db, salonId)).filter((e) => e.event === "whatsapp_connected").slice(-1);
    const at = String(connected!.data.at);
    await st.fx.dispatcher.publish({
      path: WHATSAPP_EVENT_PATHS["session.connected"], deduplicationId: `again:${salonId}`,
      body: { type: "session.connected", salonId, phone: "79006667788", timestamp: at },
    });
    await st.fx.drain();
    expect(await welcomes(salonId)).toHaveLength(2);
    expect((await listMarketplaceEvents(st.db.db, salonId)).filter((e) => e.event === "welcome_sent")).toHaveLength(2);
  }, 120_000);
});
