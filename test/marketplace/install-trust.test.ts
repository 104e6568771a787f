/**
 * Issue 12, part 1: nobody takes over a salon through the install redirect. Each attack from the issue, through the
 * real routes (functions app, real gateway on the emulator, YClients sandbox with its company_users).
 */
import WebSocket from "ws";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../lib/config/index.js";
import { signOnboardingToken } from "../../lib/contract/onboarding-token.js";
import { signUserData } from "../../lib/marketplace/user-data.js";
import { getSalon } from "../../lib/salons/store.js";
import { nextSalonId } from "../support/harness.js";
import {
  activate, cookieOf, fromAddress, ownerId, pageConfig, PARTNER_TOKEN, redirectUrl, register, startStack, userData, type Registration,
} from "./support.js";
import { useWorld } from "../support/use-world.js";

const st = useWorld(() => startStack());

/** What YClients saw for these salons, beyond reading their user lists: any write would show here. */
const yclientsWrites = (ids: number[]) => st.sandbox.requests.filter((r) => r.salonId !== null && ids.includes(r.salonId) && r.method !== "GET");
const companyUserCalls = (id: number) => st.sandbox.requests.filter((r) => r.salonId === id && r.path.startsWith("/api/v1/company_users/"));

function signedRedirect(salonIds: number[], user: Record<string, unknown>, ip?: string, cookie?: string): Promise<Response> {
  const u = userData(PARTNER_TOKEN, user);
  const ids: Array<[string, string]> = salonIds.length === 1 ? [["salon_id", String(salonIds[0])]] : salonIds.map((id) => ["salon_ids[]", String(id)]);
  return Promise.resolve(st.fx.app.request(redirectUrl([...ids, ["user_data", u.user_data], ["user_data_sign", u.user_data_sign]]), { headers: cookie ? { cookie } : {} }, fromAddress(ip)));
}

const codeOf = async (res: Response) => /data-code="([^"]+)"/.exec(await res.text())?.[1];

/** The onboarding page's socket: auth, then whatever the gateway answers until it closes or goes quiet. */
async function socketAuth(token: string, then?: object): Promise<{ messages: Array<Record<string, unknown>>; closeCode: number | null }> {
  const ws = new WebSocket(st.gw.url.replace(/^http/, "ws") + "/v1/onboarding", { origin: st.fx.services.config.publicUrl });
  const messages: Array<Record<string, unknown>> = [];
  let closeCode: number | null = null;
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  const closed = new Promise<void>((resolve) => ws.once("close", (code) => ((closeCode = code), resolve())));
  ws.on("message", (d) => messages.push(JSON.parse(String(d)) as Record<string, unknown>));
  ws.send(JSON.stringify({ type: "auth", token }));
  if (then) ws.send(JSON.stringify(then));
  // An accepted socket answers `status` at once; a refused one is closed.
  await Promise.race([closed, new Promise<void>((r) => {
    const t = setInterval(() => {
      if (messages.some((m) => m.type === "status")) {
        clearInterval(t);
        r();
      }
    }, 10);
  })]);
  ws.close();
  return { messages, closeCode };
}

describe("the install redirect trusts only a verified administrator", () => {
  it("refuses a redirect without user_data: no token, no session, no row, no YClients call", async () => {
    const salonId = nextSalonId();
    const res = await st.fx.app.request(redirectUrl([["salon_id", String(salonId)]]), {}, fromAddress());
    expect(res.status).toBe(403);
    expect(await codeOf(res)).toBe("missing_user_data");
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(res.headers.get("location")).toBeNull();
    expect(await getSalon(st.db.db, salonId)).toBeNull();
    expect(st.sandbox.requests.filter((r) => r.salonId === salonId)).toEqual([]);
  });

  it("refuses a valid user_data with the salon id swapped to a salon the user does not administer", async () => {
    const mine = nextSalonId();
    const theirs = nextSalonId();
    expect((await signedRedirect([mine], { id: ownerId(mine) })).status).toBe(302);
    const res = await signedRedirect([theirs], { id: ownerId(mine) });
    expect(res.status).toBe(403);
    expect(await codeOf(res)).toBe("not_salon_admin");
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(await getSalon(st.db.db, theirs)).toBeNull();
    expect(yclientsWrites([theirs])).toEqual([]);
    // A receptionist of the salon (listed, without settings rights) is refused the same way.
    const desk = st.sandbox.salon(theirs).users[1]!;
    expect(desk.access?.settings_access).toBe(false);
    expect(await codeOf(await signedRedirect([theirs], { id: desk.id }))).toBe("not_salon_admin");
    expect(await getSalon(st.db.db, theirs)).toBeNull();
  });

  it("with 100 salon_ids[] creates only the salons the user administers, and the session names only those", async () => {
    const ids = Array.from({ length: 100 }, () => nextSalonId());
    const chainOwner = { id: 8_000_000_001, name: "Владелец сети" };
    for (const id of [ids[3]!, ids[57]!]) st.sandbox.addCompanyUser(id, chainOwner);
    const res = await signedRedirect(ids, chainOwner);
    expect(res.status).toBe(200);
    const cookie = cookieOf(res);
    const html = await res.text();
    expect(html).toContain("Ещё 98 из выбранных филиалов пропущены");
    const rows = await Promise.all(ids.map((id) => getSalon(st.db.db, id)));
    expect(rows.map((r, i) => (r ? ids[i] : null)).filter(Boolean)).toEqual([ids[3], ids[57]]);
    expect(yclientsWrites(ids)).toEqual([]);
    expect((await pageConfig(st.fx, ids[3]!, cookie)).salonId).toBe(ids[3]);
    expect((await st.fx.app.request(`/marketplace/onboarding?salon_id=${ids[4]}`, { headers: { cookie } })).status).toBe(403);
  });

  it("refuses a replayed URL from another browser inside the window; the owner's own browser passes", async () => {
    const salonId = nextSalonId();
    const first = await signedRedirect([salonId], { id: ownerId(salonId) });
    expect(first.status).toBe(302);
    const replay = await signedRedirect([salonId], { id: ownerId(salonId) });
    expect(replay.status).toBe(403);
    expect(await codeOf(replay)).toBe("link_used");
    expect(replay.headers.get("set-cookie")).toBeNull();
    expect((await signedRedirect([salonId], { id: ownerId(salonId) }, undefined, cookieOf(first))).status).toBe(302);
  });

  it("limits signed redirects per address, and a refused one writes nothing", async () => {
    const ip = "203.0.113.7";
    for (let i = 0; i < 10; i++) {
      const id = nextSalonId();
      expect((await signedRedirect([id], { id: ownerId(id) }, ip)).status).toBe(302);
    }
    const salonId = nextSalonId();
    const res = await signedRedirect([salonId], { id: ownerId(salonId) }, ip);
    expect(res.status).toBe(429);
    expect(await getSalon(st.db.db, salonId)).toBeNull();
    expect(companyUserCalls(salonId)).toEqual([]);
    // Another address is not held up by it.
    expect((await signedRedirect([salonId], { id: ownerId(salonId) })).status).toBe(302);
  });

  it("answers hostile or malformed user_data with a 400 page, never a 503", async () => {
    const salonId = nextSalonId();
    const owner = ownerId(salonId);
    const nul = userData(PARTNER_TOKEN, { id: owner, name: "a\u0000b" });
    const lone = userData(PARTNER_TOKEN, { id: owner, name: "\ud83d" });
    const good = userData(PARTNER_TOKEN, { id: owner });
    const noId = userData(PARTNER_TOKEN, { name: "Без id" });
    const cases: Array<Array<[string, string]>> = [
      [["user_data", nul.user_data], ["user_data_sign", nul.user_data_sign]],
      [["user_data", lone.user_data], ["user_data_sign", lone.user_data_sign]],
      [["user_data", good.user_data + "\u0000"], ["user_data_sign", good.user_data_sign]],
      [["user_data", good.user_data], ["user_data_sign", good.user_data_sign + "\u0000"]],
      [["user_data", "%%%not base64"], ["user_data_sign", good.user_data_sign]],
      [["user_data", Buffer.from("{not json").toString("base64")], ["user_data_sign", signUserData(PARTNER_TOKEN, "{not json")]],
      [["user_data", noId.user_data], ["user_data_sign", noId.user_data_sign]],
    ];
    const urls = cases.map((params) => redirectUrl([["salon_id", String(salonId)], ...params]));
    // A lone surrogate as a browser would send it: its UTF-8 bytes, percent-encoded.
    urls.push(`${redirectUrl([["salon_id", String(salonId)], ["user_data", good.user_data]])}&user_data_sign=${"%ED%A0%BD".repeat(64)}`);
    for (const url of urls) {
      const res = await st.fx.app.request(url, {}, fromAddress());
      expect([res.status, await codeOf(res)]).toEqual([400, "bad_user_data"]);
    }
    expect(await getSalon(st.db.db, salonId)).toBeNull();
  });
});

describe("a salon's WhatsApp answers only its verified administrator", () => {
  async function activeSalon(phone: string): Promise<{ salonId: number; reg: Registration }> {
    const salonId = nextSalonId();
    const reg = await register(st.fx, salonId);
    await st.scan(salonId, phone);
    expect((await activate(st.fx, reg)).status).toBe(200);
    return { salonId, reg };
  }

  it("gives a caller without a verified session neither the number nor a QR of an active salon", async () => {
    const { salonId, reg } = await activeSalon("79101112233");
    // A token as the unverified redirect minted it (no user, no link) opens nothing.
    const unbound = await new (await import("jose")).SignJWT({}).setProtectedHeader({ alg: "HS256" }).setIssuer("ai-admin").setAudience("onboarding")
      .setSubject(String(salonId)).setIssuedAt().setExpirationTime("1h").sign(new TextEncoder().encode(st.fx.services.config.jwtSecret));
    const socket = await socketAuth(unbound, { type: "request_qr" });
    expect(socket.closeCode).toBe(4401);
    expect(JSON.stringify(socket.messages)).not.toContain("79101112233");
    expect(socket.messages.some((m) => m.type === "qr")).toBe(false);
    // Activation (which answers with the number) needs the session and its CSRF token.
    const noSession = await st.fx.app.request("/marketplace/activate", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: reg.token }) });
    expect(noSession.status).toBe(401);
    expect(await noSession.text()).not.toContain("79101112233");
    const noCsrf = await st.fx.app.request("/marketplace/activate", {
      method: "POST", headers: { "content-type": "application/json", cookie: reg.cookie }, body: JSON.stringify({ token: reg.token }),
    });
    expect([noCsrf.status, (await noCsrf.json()).error.code]).toEqual([403, "csrf_failed"]);
    expect((await getSalon(st.db.db, salonId))!.whatsapp_phone).toBe("79101112233");
  });

  it("re-checks an active salon's administrator in YClients at that moment", async () => {
    const { salonId, reg } = await activeSalon("79102223344");
    const before = companyUserCalls(salonId).length;
    expect((await st.fx.app.request(`/marketplace/onboarding?salon_id=${salonId}`, { headers: { cookie: reg.cookie } })).status).toBe(200);
    expect(companyUserCalls(salonId).length).toBe(before + 1);
    // The owner's rights are taken away in YClients: the live session no longer opens the salon.
    st.sandbox.addCompanyUser(salonId, { id: ownerId(salonId) }, { admin: false });
    const page = await st.fx.app.request(`/marketplace/onboarding?salon_id=${salonId}`, { headers: { cookie: reg.cookie } });
    expect(page.status).toBe(403);
    expect(await page.text()).not.toContain("79102223344");
    const again = await activate(st.fx, reg);
    expect([again.status, (await again.json()).error.code]).toEqual([403, "not_salon_admin"]);
  });

  it("the owner's own redirect logs out a phone linked through an older token before activation, and retires that token", async () => {
    const salonId = nextSalonId();
    const stale = await register(st.fx, salonId);
    await st.scan(salonId, "79990001122"); // a stranger's phone, linked with the older link's token
    expect((await getSalon(st.db.db, salonId))!.status).toBe("pending_whatsapp");

    const owner = await register(st.fx, salonId, { name: "Владелец, снова" });
    expect((await st.fx.services.gateway.status(salonId)).state).not.toBe("connected");
    const old = await socketAuth(stale.token, { type: "request_qr" });
    expect(old.closeCode).toBe(4401);
    expect(old.messages).toContainEqual(expect.objectContaining({ type: "error", code: "link_replaced" }));
    const oldActivation = await activate(st.fx, { ...stale, cookie: owner.cookie, csrf: owner.csrf });
    expect([oldActivation.status, (await oldActivation.json()).error.code]).toEqual([409, "link_replaced"]);

    const fresh = await socketAuth(owner.token);
    expect(fresh.closeCode).not.toBe(4401);
    await st.scan(salonId, "79990003344");
    const res = await activate(st.fx, owner);
    expect(res.status).toBe(200);
    expect((await res.json()).whatsappPhone).toBe("79990003344");
  });
});

describe("configuration", () => {
  it("needs YCLIENTS_USER_TOKEN with a partner token: the administrator check cannot run without it", () => {
    expect(() => loadConfig({ YCLIENTS_PARTNER_TOKEN: "p", YCLIENTS_APPLICATION_ID: "1", JWT_SECRET: "x".repeat(16), GATEWAY_SECRET: "y".repeat(16), DATA_DIR: st.env.DATA_DIR ?? "/tmp/ai-admin-cfg" }))
      .toThrow(/^YCLIENTS_USER_TOKEN: required when YCLIENTS_PARTNER_TOKEN is set/);
  });
});

// The token helper is used by the gateway tests; a token signed for a link that never started opens nothing either.
it("refuses a correctly signed token of a link that was never started", async () => {
  const salonId = nextSalonId();
  const token = await signOnboardingToken(st.fx.services.config.jwtSecret, salonId, Math.floor(st.fx.clock.now().getTime() / 1000), { userId: 1, epoch: 1 });
  expect((await socketAuth(token)).closeCode).toBe(4401);
});
