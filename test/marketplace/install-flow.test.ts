import { readFile } from "node:fs/promises";
import { describe, expect, it, vi } from "vitest";
import { ManualClock } from "../../lib/clock.js";
import { WHATSAPP_EVENT_PATHS } from "../../lib/contract/events.js";
import { signOnboardingToken, verifyOnboardingToken } from "../../lib/contract/onboarding-token.js";
import { verifyUserData } from "../../lib/marketplace/user-data.js";
import { welcomeText } from "../../lib/marketplace/welcome.js";
import { getSalon, listMarketplaceEvents } from "../../lib/salons/store.js";
import { syncStore } from "../../lib/sync/store.js";
import { createTestFunctions, nextSalonId, openTestDatabase, testConfig } from "../support/harness.js";
import { formatPhone, normalizePhone } from "../../web/phone.js";
import { phoneCountry } from "../../lib/phone/index.js";
import {
  activate, APPLICATION_ID, cookieOf, fromAddress, pageConfig, PARTNER_TOKEN, postJson, redirectUrl, register, startStack, userData,
} from "./support.js";
import { useWorld } from "../support/use-world.js";

const st = useWorld(() => startStack());

const eventsOf = async (salonId: number) => (await listMarketplaceEvents(st.db.db, salonId)).map((e) => e.event);
const callbacksOf = (salonId: number) => st.sandbox.partnerCallbacks.filter((c) => c.salonId === salonId);

describe("user_data signature", () => {
  it("accepts the documented test vector (yclients-api.md §11.2) and rejects a changed byte", () => {
    const vector = "eyJ1c2VyX2lkIjoxMjMsIm5hbWUiOiLQkNC90LTRgNC10Lkg0JjQstCw0L3QvtCyIiwiZW1haWwiOiJhbmRyZXlAZXhhbXBsZS5jb20iLCJwaG9uZSI6Ijc5OTkwMDA5OTAwIn0=";
    const sign = "4c4e4694660399173ce165d761e59dd8da341cf0bb04673db21f28bb4153e950";
    const ok = verifyUserData("2t6u73mrh85btb8wgyfj", vector, sign);
    expect(ok).toMatchObject({ ok: true, user: { id: 123, name: "Андрей Иванов", phone: "79990009900" } });
    expect(verifyUserData("2t6u73mrh85btb8wgyfj", vector, sign.replace(/0$/, "1"))).toEqual({ ok: false, reason: "bad_signature" });
    expect(verifyUserData("another-token", vector, sign)).toEqual({ ok: false, reason: "bad_signature" });
    expect(verifyUserData("2t6u73mrh85btb8wgyfj", vector, undefined)).toEqual({ ok: false, reason: "missing_signature" });
  });

  it("runs the test vector through the redirect: the signature holds, but YClients does not confirm the user, so nothing opens", async () => {
    const docs = createTestFunctions(st.db, {
      config: testConfig({ ...st.env, YCLIENTS_PARTNER_TOKEN: "2t6u73mrh85btb8wgyfj" }),
    });
    const salonId = nextSalonId();
    const res = await docs.app.request(redirectUrl([
      ["salon_id", String(salonId)],
      ["user_data", "eyJ1c2VyX2lkIjoxMjMsIm5hbWUiOiLQkNC90LTRgNC10Lkg0JjQstCw0L3QvtCyIiwiZW1haWwiOiJhbmRyZXlAZXhhbXBsZS5jb20iLCJwaG9uZSI6Ijc5OTkwMDA5OTAwIn0="],
      ["user_data_sign", "4c4e4694660399173ce165d761e59dd8da341cf0bb04673db21f28bb4153e950"],
    ]), {}, fromAddress());
    // The st.sandbox does not know the docs' token: /company_users answers 401, which confirms nobody.
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('data-code="not_salon_admin"');
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(await getSalon(st.db.db, salonId)).toBeNull();
  });
});

describe("registration redirect", () => {
  it("registers one salon with YClients' company data and redirects to its onboarding page", async () => {
    const salonId = nextSalonId();
    const company = st.sandbox.salon(salonId).company;
    st.sandbox.addCompanyUser(salonId, { id: 6419632, name: "Шигарцов Филипп" });
    const u = userData(PARTNER_TOKEN, { id: 6419632, name: "Шигарцов Филипп", phone: "79006464263", salon_name: "Другое имя", is_approved: true });
    const res = await st.fx.app.request(redirectUrl([["salon_id", String(salonId)], ["user_data", u.user_data], ["user_data_sign", u.user_data_sign]]), {}, fromAddress());
    expect(res.status).toBe(302);
    // No token in the address: the page opens for the session the redirect set.
    expect(res.headers.get("location")).toBe(`/marketplace/onboarding?salon_id=${salonId}`);
    const setCookie = res.headers.get("set-cookie")!;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    const config = await pageConfig(st.fx, salonId, cookieOf(res));
    expect(await verifyOnboardingToken(st.fx.services.config.jwtSecret, config.token, st.fx.clock.now())).toMatchObject({ ok: true, salonId, userId: 6419632, epoch: 1 });
    const salon = (await getSalon(st.db.db, salonId))!;
    expect(salon).toMatchObject({ status: "pending_whatsapp", title: company.title, marketplace_user: { id: 6419632 } });
    const events = await listMarketplaceEvents(st.db.db, salonId);
    expect(events.map((e) => e.event)).toEqual(["registration_started"]);
    expect(events[0]!.data).toMatchObject({ title_source: "yclients" });
  });

  it("falls back to the marketplace's salon name when YClients cannot be asked, and says so", async () => {
    const salonId = nextSalonId();
    st.sandbox.fail(salonId, 404, { times: 1, path: /\/company\/\d+$/ });
    await register(st.fx, salonId, { salon_name: "Барбершоп «Борода»" });
    expect((await getSalon(st.db.db, salonId))!.title).toBe("Барбершоп «Борода»");
    const [event] = await listMarketplaceEvents(st.db.db, salonId);
    expect(event!.data).toMatchObject({ title_source: "user_data" });
    expect(event!.data.company_error).toBeTruthy();
  });

  it("gives every salon of a multi-location install its own row and its own onboarding link", async () => {
    const a = nextSalonId();
    const b = nextSalonId();
    const chainOwner = { id: 7_000_007, name: "Сеть" };
    for (const id of [a, b]) st.sandbox.addCompanyUser(id, chainOwner);
    const u = userData(PARTNER_TOKEN, chainOwner);
    const res = await st.fx.app.request(redirectUrl([["salon_ids[]", String(a)], ["salon_ids[]", String(b)], ["user_data", u.user_data], ["user_data_sign", u.user_data_sign]]), {}, fromAddress());
    expect(res.status).toBe(200);
    const cookie = cookieOf(res);
    const html = await res.text();
    for (const id of [a, b]) {
      expect((await getSalon(st.db.db, id))!.status).toBe("pending_whatsapp");
      const href = new RegExp(`data-testid="salon-link-${id}" href="([^"]+)"`).exec(html)![1]!.replace(/&amp;/g, "&");
      expect(href).toBe(`/marketplace/onboarding?salon_id=${id}`);
      const config = await pageConfig(st.fx, id, cookie);
      expect(await verifyOnboardingToken(st.fx.services.config.jwtSecret, config.token, st.fx.clock.now())).toMatchObject({ ok: true, salonId: id });
    }
    // The `salon_ids[0]` spelling seen in the original's traffic works too.
    const c = nextSalonId();
    st.sandbox.addCompanyUser(c, chainOwner);
    const res2 = await st.fx.app.request(redirectUrl([["salon_ids[0]", String(c)], ["user_data", u.user_data], ["user_data_sign", u.user_data_sign]]), {}, fromAddress());
    expect(res2.status).toBe(302);
  });

  it("refuses a bad or missing signature with 403 and writes nothing", async () => {
    const salonId = nextSalonId();
    const u = userData(PARTNER_TOKEN, { id: 1, salon_name: "X" });
    const forged = userData("not-the-partner-token", { id: 1, salon_name: "X" });
    for (const params of [
      [["salon_id", String(salonId)], ["user_data", u.user_data], ["user_data_sign", forged.user_data_sign]],
      [["salon_id", String(salonId)], ["user_data", u.user_data]],
      [["salon_id", String(salonId)], ["user_data", forged.user_data.slice(0, -4) + "AAAA"], ["user_data_sign", u.user_data_sign]],
    ] as Array<Array<[string, string]>>) {
      const res = await st.fx.app.request(redirectUrl(params), {}, fromAddress());
      expect(res.status).toBe(403);
      expect(res.headers.get("content-type")).toMatch(/text\/html/);
      expect(await res.text()).toContain("Ошибка безопасности");
    }
    expect(await getSalon(st.db.db, salonId)).toBeNull();
    expect(await eventsOf(salonId)).toEqual([]);
  });

  it("refuses a bad salon id with 400 and an unconfigured partner token with 503", async () => {
    for (const bad of [[["salon_id", "abc"]], [["salon_id", "0"]], [["salon_id", "-5"]], []] as Array<Array<[string, string]>>) {
      const res = await st.fx.app.request(redirectUrl(bad));
      expect(res.status).toBe(400);
      expect(await res.text()).toContain("Не удалось определить салон");
    }
    const unconfigured = createTestFunctions(st.db, { config: testConfig({ ...st.env, YCLIENTS_PARTNER_TOKEN: "", YCLIENTS_APPLICATION_ID: "" }) });
    const salonId = nextSalonId();
    const res = await unconfigured.app.request(redirectUrl([["salon_id", String(salonId)]]));
    expect(res.status).toBe(503);
    expect(await res.text()).toContain("временно недоступно");
    expect(await getSalon(st.db.db, salonId)).toBeNull();
  });
});

describe("onboarding page", () => {
  it("serves the page with the salon's name and the gateway socket, never the token in the socket URL", async () => {
    const salonId = nextSalonId();
    const reg = await register(st.fx, salonId, { salon_name: "<b>Салон</b>" });
    const title = (await getSalon(st.db.db, salonId))!.title!;
    const res = await st.fx.app.request(`/marketplace/onboarding?salon_id=${salonId}`, { headers: { cookie: reg.cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    const html = await res.text();
    expect(html).toContain(`data-testid="salon-title">${title.replace(/&/g, "&amp;").replace(/"/g, "&quot;")}<`);
    const config = JSON.parse(/<script type="application\/json" id="onboarding-config">([^<]*)<\/script>/.exec(html)![1]!);
    expect(config).toMatchObject({ salonId, csrf: reg.csrf, socketUrl: st.gw.url.replace(/^http/, "ws") + "/v1/onboarding", activateUrl: "/marketplace/activate" });
    for (const asset of ["onboarding.js", "phone.js", "onboarding.css"]) {
      expect((await st.fx.app.request(`/marketplace/assets/${asset}`)).status).toBe(200);
    }
    expect((await st.fx.app.request("/marketplace/assets/..%2Fpackage.json")).status).toBe(404);
  });

  it("has Russian words for every error the gateway's socket can send the page", async () => {
    const page = await readFile(new URL("../../web/onboarding.js", import.meta.url), "utf8");
    const block = /const GATEWAY_ERRORS = \{([^}]*)\};/.exec(page)![1]!;
    const known = new Set([...block.matchAll(/^\s+([a-z_]+): "/gm)].map((m) => m[1]));
    // whatsapp-gateway/socket/onboarding.ts and sessions/manager.ts: what an owner can meet (qr_expired is retried).
    const sent = ["unauthorized", "token_expired", "link_replaced", "invalid_phone", "rate_limited", "pairing_failed", "connect_failed",
      "already_connected", "session_elsewhere", "stopping", "internal"];
    expect(sent.filter((code) => !known.has(code))).toEqual([]);
  });

  it("opens the page only for a session verified for that salon", async () => {
    const salonId = nextSalonId();
    const other = nextSalonId();
    const reg = await register(st.fx, salonId);
    const page = (path: string, cookie?: string) => st.fx.app.request(path, { headers: cookie ? { cookie } : {} });
    const none = await page(`/marketplace/onboarding?salon_id=${salonId}`);
    expect(none.status).toBe(401);
    expect(await none.text()).toContain('data-code="not_signed_in"');
    const foreign = await page(`/marketplace/onboarding?salon_id=${other}`, reg.cookie);
    expect(foreign.status).toBe(403);
    expect(await foreign.text()).toContain('data-code="salon_not_allowed"');
    const forged = await page(`/marketplace/onboarding?salon_id=${salonId}`, reg.cookie.replace(/=.*/, "=eyJhbGciOiJIUzI1NiJ9.e30.x"));
    expect(forged.status).toBe(401);
    // A session lives 12 hours.
    const later = createTestFunctions(st.db, { config: st.fx.services.config, clock: new ManualClock(new Date(st.fx.clock.now().getTime() + 12 * 3600_000 + 1000)) });
    expect((await later.app.request(`/marketplace/onboarding?salon_id=${salonId}`, { headers: { cookie: reg.cookie } })).status).toBe(401);
  });

  it("normalises the phone the owner types: 8… → 7…, 10 digits → 7 + digits", () => {
    const ru = phoneCountry("RU");
    expect(normalizePhone("8 (900) 123-45-67", ru)).toBe("79001234567");
    expect(normalizePhone("9001234567", ru)).toBe("79001234567");
    expect(normalizePhone("+7 900 123 45 67", ru)).toBe("79001234567");
    expect(normalizePhone("+375 29 123-45-67", ru)).toBe("375291234567");
    expect(normalizePhone("12345", ru)).toBeNull();
    expect(normalizePhone("", ru)).toBeNull();
    expect(formatPhone("79001234567")).toBe("+7 900 123-45-67");
  });
});

describe("activation", () => {
  it("refuses while WhatsApp is not connected, without calling YClients", async () => {
    const salonId = nextSalonId();
    const token = await register(st.fx, salonId);
    const res = await activate(st.fx, token);
    expect(res.status).toBe(409);
    expect((await res.json()).error.code).toBe("whatsapp_not_connected");
    expect(callbacksOf(salonId)).toEqual([]);
    expect((await getSalon(st.db.db, salonId))!.status).toBe("pending_whatsapp");
  });

  it("registers the salon with YClients (301 taken as success), welcomes it once, and a repeat is a no-op", async () => {
    const salonId = nextSalonId();
    const token = await register(st.fx, salonId);
    await st.scan(salonId, "79001112233");
    const res = await activate(st.fx, token);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "active", salonId, whatsappPhone: "79001112233", alreadyActive: false });

    const [callback, ...more] = callbacksOf(salonId);
    expect(more).toEqual([]);
    expect(callback!.kind).toBe("callback_redirect");
    expect(callback!.body).toMatchObject({ salon_id: salonId, application_id: APPLICATION_ID });
    expect(callback!.body.api_key).toMatch(/^[0-9a-f]{64}$/);
    const urls = callback!.body.webhook_urls as string[];
    expect(urls).toHaveLength(1);
    expect(urls[0]).toMatch(new RegExp(`^${st.fx.services.config.publicUrl}/webhook/yclients/entity/[A-Za-z0-9_-]{32}$`));
    expect(st.sandbox.installed(salonId)?.status).toBe("active");

    const salon = (await getSalon(st.db.db, salonId))!;
    expect(salon).toMatchObject({ status: "active", whatsapp_state: "connected", whatsapp_phone: "79001112233" });
    expect(salon.activated_at).toBeTruthy();
    expect(await eventsOf(salonId)).toEqual(["registration_started", "integration_activated"]);

    await st.fx.drain();
    const welcome = await st.outbox(salonId);
    expect(welcome).toEqual([expect.objectContaining({ to: "79001112233@s.whatsapp.net", text: welcomeText("79001112233") })]);
    expect(welcome[0]!.text).toContain("🎉 Поздравляем! Admin AI успешно подключен!");
    // The first full sync ran for this salon.
    expect((await syncStore.runs(st.db.db, salonId))[0]).toMatchObject({ status: "ok" });

    const again = await activate(st.fx, token);
    expect(again.status).toBe(200);
    expect((await again.json()).alreadyActive).toBe(true);
    await st.fx.drain();
    expect(callbacksOf(salonId)).toHaveLength(1);
    expect(await st.outbox(salonId)).toHaveLength(1);
    expect((await eventsOf(salonId)).filter((e) => e === "welcome_sent")).toHaveLength(1);
  });

  it("lets two racing activations send one callback", async () => {
    const salonId = nextSalonId();
    const token = await register(st.fx, salonId);
    await st.scan(salonId, "79002223344");
    const [a, b] = await Promise.all([activate(st.fx, token), activate(st.fx, token)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(callbacksOf(salonId)).toHaveLength(1);
    expect((await eventsOf(salonId)).filter((e) => e === "integration_activated")).toHaveLength(1);
  });

  it("records a refused callback as activation_failed with the reason, and a retry then succeeds", async () => {
    const salonId = nextSalonId();
    const token = await register(st.fx, salonId);
    await st.scan(salonId, "79003334455");
    const wrongApp = createTestFunctions(st.db, { config: testConfig({ ...st.env, YCLIENTS_APPLICATION_ID: "999" }) });
    const failed = await activate(wrongApp, token);
    expect(failed.status).toBe(503);
    expect((await failed.json()).error.code).toBe("activation_failed");
    const salon = (await getSalon(st.db.db, salonId))!;
    expect(salon.status).toBe("activation_failed");
    expect(salon.status_reason).toContain("403");
    expect(callbacksOf(salonId)).toEqual([]);

    const retried = await activate(st.fx, token);
    expect(retried.status).toBe(200);
    expect(callbacksOf(salonId)).toHaveLength(1);
    expect(await eventsOf(salonId)).toEqual(["registration_started", "activation_failed", "integration_activated"]);
  });

  it("refuses a registration older than an hour even with a fresh token", async () => {
    const salonId = nextSalonId();
    const reg = await register(st.fx, salonId);
    await st.scan(salonId, "79004445566");
    const later = new Date(st.fx.clock.now().getTime() + 61 * 60_000);
    const late = createTestFunctions(st.db, { config: st.fx.services.config, clock: new ManualClock(later) });
    const fresh = await pageConfig(late, salonId, reg.cookie);
    const res = await activate(late, { ...reg, token: fresh.token });
    expect(res.status).toBe(410);
    expect((await res.json()).error.code).toBe("registration_expired");
    expect(callbacksOf(salonId)).toEqual([]);
  });

  it("keeps an active salon active when its owner comes back through the marketplace to re-link WhatsApp", async () => {
    const salonId = nextSalonId();
    const token = await register(st.fx, salonId);
    await st.scan(salonId, "79005556677");
    expect((await activate(st.fx, token)).status).toBe(200);
    const before = (await getSalon(st.db.db, salonId))!;
    const token2 = await register(st.fx, salonId, { salon_name: "Новое имя" });
    const after = (await getSalon(st.db.db, salonId))!;
    expect(after).toMatchObject({ status: "active", title: before.title, activated_at: before.activated_at });
    expect((await activate(st.fx, token2)).status).toBe(200);
    expect(callbacksOf(salonId)).toHaveLength(1);
  });

  it("welcomes the owner again once per new link after a logout; the first link is welcomed by the activation alone", async () => {
    const salonId = nextSalonId();
    const token = await register(st.fx, salonId);
    await st.scan(salonId, "79006667788");
    expect((await activate(st.fx, token)).status).toBe(200);
    await st.fx.drain();
    const welcomes = async () => (await st.outbox(salonId)).filter((m) => m.text === welcomeText("79006667788"));
    expect(await welcomes()).toHaveLength(1);

    // The owner unlinks the device on the phone, then scans the new QR on the onboarding page.
    st.gw.emulator!.session(salonId)!.disconnect(401);
    await vi.waitFor(async () => {
      await st.fx.drain();
      expect((await getSalon(st.db.db, salonId))!.whatsapp_state).toBe("logged_out");
    }, { timeout: 30_000 });
    await st.scan(salonId, "79006667788");
    await vi.waitFor(async () => {
      await st.fx.drain();
      expect(await welcomes()).toHaveLength(2);
    }, { timeout: 30_000 });

    // The same link's event delivered again (under another dedupe id, as after a lost acknowledgement) sends nothing.
    const connected = (await listMarketplaceEvents(st.db.db, salonId)).filter((e) => e.event === "whatsapp_connected").at(-1)!;
    await st.fx.dispatcher.publish({
      path: WHATSAPP_EVENT_PATHS["session.connected"], deduplicationId: `again:${salonId}`,
      body: { type: "session.connected", salonId, phone: "79006667788", timestamp: String(connected.data.at) },
    });
    await st.fx.drain();
    expect(await welcomes()).toHaveLength(2);
    expect((await eventsOf(salonId)).filter((e) => e === "welcome_sent")).toHaveLength(2);
  });

  it("answers a malformed, oversized or mistyped body with a 4xx JSON error and changes nothing", async () => {
    const salonId = nextSalonId();
    const token = await register(st.fx, salonId);
    await st.scan(salonId, "79006667788");
    const send = (body: string, type = "application/json") =>
      st.fx.app.request("/marketplace/activate", { method: "POST", headers: { "content-type": type }, body });
    const cases: Array<[Response, number]> = [
      [await send(JSON.stringify({ token }), "text/plain"), 415],
      [await send("{\"token\":"), 400],
      [await send(JSON.stringify({ tok: token })), 400],
      [await send(JSON.stringify({ token, pad: "x".repeat(1024 * 1024 + 10) })), 413],
    ];
    for (const [res, status] of cases) {
      expect(res.status).toBe(status);
      expect((await res.json()).error.code).toBeTruthy();
    }
    expect((await getSalon(st.db.db, salonId))!.status).toBe("pending_whatsapp");
    expect(await eventsOf(salonId)).toEqual(["registration_started"]);
    expect(callbacksOf(salonId)).toEqual([]);
    const bad = await postJson(st.fx, "/marketplace/activate", { token: "not-a-jwt" });
    expect(bad.status).toBe(401);
  });
});
