/**
 * The owner's first five minutes, end to end: marketplace redirect → onboarding page → the page's WebSocket
 * conversation with the real gateway (emulator transport) → QR → emulated scan → activation against the YClients
 * sandbox (by the page, or by the session.connected job when the page is gone) → welcome message and full sync →
 * uninstall logging the session out.
 */
import WebSocket from "ws";
import { describe, expect, it } from "vitest";
import { welcomeText } from "../../lib/marketplace/welcome.js";
import { getSalon } from "../../lib/salons/store.js";
import { syncStore } from "../../lib/sync/store.js";
import { nextSalonId } from "../support/harness.js";
import { activate, APPLICATION_ID, pageConfig, PARTNER_TOKEN, postJson, register, startStack } from "./support.js";
import { useWorld } from "../support/use-world.js";

const st = useWorld(() => startStack());

/** The page's side of the onboarding socket: what it sends, and every message it has received. */
class PageSocket {
  readonly received: Array<Record<string, unknown>> = [];
  private waiters: Array<() => void> = [];
  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      this.received.push(JSON.parse(String(data)) as Record<string, unknown>);
      for (const w of this.waiters.splice(0)) w();
    });
  }
  static async open(url: string, origin: string): Promise<PageSocket> {
    const ws = new WebSocket(url, { origin });
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    return new PageSocket(ws);
  }
  send(msg: unknown): void {
    this.ws.send(JSON.stringify(msg));
  }
  /** Resolves with the first message of this type received after `from`. */
  async next(type: string, from = 0): Promise<Record<string, unknown>> {
    for (;;) {
      const hit = this.received.slice(from).find((m) => m.type === type);
      if (hit) return hit;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }
  close(): void {
    this.ws.close();
  }
}

describe("onboarding with the real gateway", () => {
  it("links WhatsApp by QR, activates, welcomes once and syncs", async () => {
    const salonId = nextSalonId();
    const phone = "79035551122";
    const token = await register(st.fx, salonId);
    const config = await pageConfig(st.fx, salonId, token.cookie);
    expect(config.socketUrl).toBe(st.gw.url.replace(/^http/, "ws") + "/v1/onboarding");
    expect(config.socketUrl).not.toContain(token.token);

    const page = await PageSocket.open(config.socketUrl, st.fx.services.config.publicUrl);
    page.send({ type: "auth", token: config.token });
    await page.next("status");
    page.send({ type: "request_qr" });
    const qr = await page.next("qr");
    expect(String(qr.dataUrl)).toMatch(/^data:image\/png;base64,/);
    expect(Number(qr.expiresInSec)).toBeGreaterThan(0);

    await st.scan(salonId, phone);
    expect(await page.next("connected")).toMatchObject({ phone });
    page.close();

    // What the page does on `connected`.
    const res = await activate(st.fx, token);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "active", whatsappPhone: phone });
    const callbacks = st.sandbox.partnerCallbacks.filter((c) => c.salonId === salonId);
    expect(callbacks).toHaveLength(1);
    expect(callbacks[0]!.body).toMatchObject({ salon_id: salonId, application_id: APPLICATION_ID });

    await st.fx.drain();
    const outbox = () => st.outbox(salonId);
    expect(await outbox()).toEqual([expect.objectContaining({ to: `${phone}@s.whatsapp.net`, text: welcomeText(phone) })]);
    const runs = await syncStore.runs(st.db.db, salonId);
    expect(runs.length).toBeGreaterThan(0);
    expect(runs[0]!.status).toBe("ok");
    expect((await getSalon(st.db.db, salonId))!).toMatchObject({ status: "active", whatsapp_state: "connected", whatsapp_phone: phone });

    expect((await activate(st.fx, token)).status).toBe(200);
    await st.fx.drain();
    expect(await outbox()).toHaveLength(1);
    expect(st.sandbox.partnerCallbacks.filter((c) => c.salonId === salonId)).toHaveLength(1);

    // Uninstall: the gateway logs the session out and forgets it.
    const uninstall = await postJson(st.fx, "/webhook/yclients", { salon_id: salonId, application_id: APPLICATION_ID, event: "uninstall", partner_token: PARTNER_TOKEN });
    expect(uninstall.status).toBe(200);
    await st.fx.drain();
    expect((await getSalon(st.db.db, salonId))!.status).toBe("uninstalled");
    expect(["none", "logged_out", "stopped"]).toContain((await st.fx.services.gateway.status(salonId)).state);
    expect((await st.db.pg!.query("select 1 from wa_auth where salon_id = $1", [salonId])).rows).toEqual([]);
  });

  it("gives a pairing code for the owner's number and activates after it is entered", async () => {
    const salonId = nextSalonId();
    const token = await register(st.fx, salonId);
    const config = await pageConfig(st.fx, salonId, token.cookie);
    const page = await PageSocket.open(config.socketUrl, st.fx.services.config.publicUrl);
    page.send({ type: "auth", token: config.token });
    await page.next("status");
    page.send({ type: "request_pairing_code", phone: "79047778899" });
    const code = await page.next("pairing_code");
    expect(String(code.code)).toMatch(/^[A-Z0-9-]{8,9}$/);
    await st.scan(salonId, "79047778899");
    await page.next("connected");
    page.close();
    expect((await activate(st.fx, token)).status).toBe(200);
  });

  it("activates a salon whose page was closed between the scan and activation, once", async () => {
    const salonId = nextSalonId();
    const phone = "79035553344";
    const token = await register(st.fx, salonId);
    const config = await pageConfig(st.fx, salonId, token.cookie);
    const page = await PageSocket.open(config.socketUrl, st.fx.services.config.publicUrl);
    page.send({ type: "auth", token: config.token });
    await page.next("status");
    page.send({ type: "request_qr" });
    await page.next("qr");
    // The owner scans on the phone and never comes back to the page.
    page.close();
    await st.scan(salonId, phone);
    await st.fx.drain();

    expect((await getSalon(st.db.db, salonId))!).toMatchObject({ status: "active", whatsapp_phone: phone });
    expect(st.sandbox.partnerCallbacks.filter((c) => c.salonId === salonId)).toHaveLength(1);
    expect(await st.outbox(salonId)).toEqual([expect.objectContaining({ text: welcomeText(phone) })]);

    // The page, opened again later, finds it done.
    expect((await activate(st.fx, token)).status).toBe(200);
    await st.fx.drain();
    expect(st.sandbox.partnerCallbacks.filter((c) => c.salonId === salonId)).toHaveLength(1);
    expect(await st.outbox(salonId)).toHaveLength(1);
  });

  it("refuses a socket that authenticates with a forged token", async () => {
    const page = await PageSocket.open(st.gw.url.replace(/^http/, "ws") + "/v1/onboarding", st.fx.services.config.publicUrl);
    page.send({ type: "auth", token: "forged.token.value" });
    expect(await page.next("error")).toMatchObject({ code: "unauthorized" });
    page.close();
  });
});
