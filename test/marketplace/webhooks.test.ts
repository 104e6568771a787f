import { describe, expect, it, vi } from "vitest";
import { run as marketplaceStatusCron } from "../../functions/crons/marketplace-status.js";
import { pino } from "pino";
import { createApp } from "../../functions/app.js";
import { createServices } from "../../functions/services.js";
import { bookingsStore } from "../../lib/bookings/store.js";
import { signServiceToken } from "../../lib/contract/service-token.js";
import { getSalon, listMarketplaceEvents } from "../../lib/salons/store.js";
import { nextSalonId } from "../support/harness.js";
import { activate, APPLICATION_ID, PARTNER_TOKEN, postJson, register, startStack, STACK_SECRETS, type Stack } from "./support.js";
import { useWorld } from "../support/use-world.js";

/** What the sandbox's emitted webhooks got back from our app. */
const delivered: Array<{ url: string; status: number }> = [];

const st: Stack = useWorld(() => startStack({
  emitWebhooks: true,
  deliverWebhook: async (url, body) => {
    const res = await st.fx.app.request(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    delivered.push({ url, status: res.status });
    return res;
  },
}));

const sql = async <T>(query: string, params: unknown[] = []) => (await st.db.pg!.query<T>(query, params)).rows;
const jobsQueued = async (path: string) => (await sql<{ n: number }>("select count(*)::int as n from local_dispatch where url like $1", [`%${path}`]))[0]!.n;
const eventsOf = async (salonId: number) => (await listMarketplaceEvents(st.db.db, salonId)).map((e) => e.event);

/** A salon through the whole install: redirect, WhatsApp linked, activated, follow-up jobs run. */
let phoneSeq = 0;
async function activeSalon(phone = `7911000${String(++phoneSeq).padStart(4, "0")}`): Promise<{ salonId: number; hookPath: string }> {
  const salonId = nextSalonId();
  const token = await register(st.fx, salonId);
  await st.scan(salonId, phone);
  const res = await activate(st.fx, token);
  if (res.status !== 200) throw new Error(`activation answered ${res.status}`);
  await st.fx.drain();
  const url = st.sandbox.installed(salonId)!.webhookUrls[0]!;
  return { salonId, hookPath: new URL(url).pathname };
}

const lifecycle = (salonId: number, event: string, over: Record<string, unknown> = {}) =>
  postJson(st.fx, "/webhook/yclients", { salon_id: salonId, application_id: APPLICATION_ID, event, partner_token: PARTNER_TOKEN, ...over });

describe("entity webhooks", () => {
  it("feeds a record the salon just created in YClients to the booking logic, once", async () => {
    const { salonId } = await activeSalon();
    const startsAt = new Date(st.fx.clock.now().getTime() + 2 * 86_400_000).toISOString();
    const sentBefore = delivered.length;
    const record = st.sandbox.addRecord(salonId, { datetime: startsAt, clientPhone: "79161234567", clientName: "Анна" });
    // The st.sandbox posts the webhook on its own, as YClients does.
    await vi.waitFor(() => expect(delivered.length).toBe(sentBefore + 1));
    expect(delivered.at(-1)).toMatchObject({ status: 200 });
    await st.fx.drain();
    const stored = await bookingsStore.get(st.db.db, salonId, record.id);
    expect(stored).toMatchObject({ record_id: record.id, client_phone: "79161234567" });

    const notices = async () => sql<{ kind: string }>("select kind from notifications where salon_id = $1 and record_id = $2", [salonId, record.id]);
    expect(await notices()).toEqual([{ kind: "booking_created" }]);

    // YClients repeating the same event: nothing new is queued, and the client is still told once.
    const hookPath = new URL(st.sandbox.installed(salonId)!.webhookUrls[0]!).pathname;
    const body = { company_id: salonId, resource: "record", resource_id: record.id, status: "update", data: record };
    expect((await postJson(st.fx, hookPath, body)).status).toBe(200);
    const queued = await jobsQueued("/jobs/yclients/entity-webhook");
    expect((await postJson(st.fx, hookPath, body)).status).toBe(200);
    expect(await jobsQueued("/jobs/yclients/entity-webhook")).toBe(queued);
    await st.fx.drain();
    expect(await notices()).toEqual([{ kind: "booking_created" }]);
  });

  it("upserts a client from its event and refreshes staff once per burst", async () => {
    const { salonId, hookPath } = await activeSalon();
    const client = await postJson(st.fx, hookPath, {
      company_id: salonId, resource: "client", resource_id: 987654, status: "create",
      data: { id: 987654, name: "Мария", phone: "+7 916 555-44-33", email: "", sold_amount: 0, visits_count: 0 },
    });
    expect(client.status).toBe(200);
    await st.fx.drain();
    expect(await sql("select name, phone from clients where salon_id = $1 and client_id = 987654", [salonId])).toEqual([{ name: "Мария", phone: "79165554433" }]);

    const staffId = st.sandbox.salon(salonId).staff[0]!.id;
    for (let i = 0; i < 3; i++) {
      const res = await postJson(st.fx, hookPath, { company_id: salonId, resource: "staff", resource_id: staffId, status: "update", data: { id: staffId } });
      expect(res.status).toBe(200);
    }
    const listCalls = () => st.sandbox.requests.filter((r) => r.path === `/api/v1/company/${salonId}/staff`).length;
    const callsBefore = listCalls();
    st.fx.clock.advance(31_000);
    await st.fx.drain();
    expect(listCalls()).toBe(callsBefore + 1);
    const n = (await sql<{ n: number }>("select count(*)::int as n from staff where salon_id = $1", [salonId]))[0]!.n;
    expect(n).toBe(st.sandbox.salon(salonId).staff.length);
  });

  it("rejects an unknown secret and a company_id that is not the URL's salon, queueing nothing", async () => {
    const { salonId, hookPath } = await activeSalon();
    const before = await jobsQueued("/jobs/yclients/entity-webhook");
    const unknown = await postJson(st.fx, "/webhook/yclients/entity/not-a-secret", { company_id: salonId, resource: "record", resource_id: 1, status: "update", data: {} });
    expect(unknown.status).toBe(404);
    const other = await postJson(st.fx, hookPath, { company_id: salonId + 1, resource: "record", resource_id: 1, status: "update", data: {} });
    expect(other.status).toBe(403);
    const ignored = await postJson(st.fx, hookPath, { company_id: salonId, resource: "finances_operation", resource_id: 1, status: "create", data: {} });
    expect(await ignored.json()).toMatchObject({ status: "ignored" });
    const send = (body: string, type = "application/json") => st.fx.app.request(hookPath, { method: "POST", headers: { "content-type": type }, body });
    expect((await send("{")).status).toBe(400);
    expect((await send("{}", "text/plain")).status).toBe(415);
    expect((await send(JSON.stringify({ company_id: salonId, resource: "record", resource_id: 1, status: "update", data: { x: "y".repeat(1_100_000) } }))).status).toBe(413);
    expect(await jobsQueued("/jobs/yclients/entity-webhook")).toBe(before);
  });
});

describe("lifecycle webhook", () => {
  it("rejects a wrong partner token or application id without acting", async () => {
    const { salonId } = await activeSalon();
    const before = await jobsQueued("/jobs/marketplace/lifecycle");
    expect((await lifecycle(salonId, "uninstall", { partner_token: "guess" })).status).toBe(403);
    expect((await lifecycle(salonId, "uninstall", { application_id: APPLICATION_ID + 1 })).status).toBe(403);
    expect((await postJson(st.fx, "/webhook/yclients", { salon_id: "x", event: "uninstall" })).status).toBe(400);
    const raw = (body: string, type = "application/json") => st.fx.app.request("/webhook/yclients", { method: "POST", headers: { "content-type": type }, body });
    expect((await raw("{\"salon_id\":")).status).toBe(400);
    expect((await raw(JSON.stringify({ salon_id: salonId, application_id: APPLICATION_ID, event: "uninstall", partner_token: PARTNER_TOKEN }), "application/x-www-form-urlencoded")).status).toBe(415);
    expect((await raw(JSON.stringify({ salon_id: salonId, application_id: APPLICATION_ID, event: "uninstall", partner_token: PARTNER_TOKEN, pad: "x".repeat(1_100_000) }))).status).toBe(413);
    expect(await jobsQueued("/jobs/marketplace/lifecycle")).toBe(before);
    await st.fx.drain();
    expect((await getSalon(st.db.db, salonId))!.status).toBe("active");
  });

  it("freezes a salon (webhooks paused, session kept) and the daily check brings it back when YClients says active", async () => {
    const { salonId, hookPath } = await activeSalon();
    const res = await lifecycle(salonId, "freeze");
    expect(res.status).toBe(200);
    expect((await lifecycle(salonId, "freeze")).status).toBe(200);
    await st.fx.drain();
    expect((await getSalon(st.db.db, salonId))!.status).toBe("frozen");
    expect((await st.fx.services.gateway.status(salonId)).state).toBe("connected");
    const paused = await postJson(st.fx, hookPath, { company_id: salonId, resource: "record", resource_id: 5, status: "update", data: {} });
    expect(await paused.json()).toMatchObject({ status: "ignored", reason: "salon_frozen" });

    const summary = await marketplaceStatusCron(st.fx.services);
    expect(summary.unfrozen).toContain(salonId);
    expect((await getSalon(st.db.db, salonId))!.status).toBe("active");
    expect((await eventsOf(salonId)).filter((e) => e === "frozen" || e === "unfrozen")).toEqual(["frozen", "unfrozen"]);
  });

  it("a payment unfreezes at once, keeps the payment's date in the salon's time zone, and is recorded once", async () => {
    const { salonId } = await activeSalon();
    expect((await lifecycle(salonId, "freeze")).status).toBe(200);
    await st.fx.drain();
    expect((await getSalon(st.db.db, salonId))!.status).toBe("frozen");
    const syncsBefore = await jobsQueued("/jobs/sync/salon");

    st.fx.clock.advance(60_000);
    const paid = await lifecycle(salonId, "payment", { data: { payment_date: "2026-11-20 10:10:00", payment_sum: 1990 } });
    expect(await paid.json()).toEqual({ status: "accepted", event: "payment" });
    await st.fx.drain();
    const salon = (await getSalon(st.db.db, salonId))!;
    expect(salon.timezone).toBe("Europe/Moscow");
    expect(salon.status).toBe("active");
    expect(new Date(salon.last_payment_date!).toISOString()).toBe("2026-11-20T07:10:00.000Z");
    expect(await jobsQueued("/jobs/sync/salon")).toBeGreaterThan(syncsBefore);

    // The same payment again (YClients repeating itself) records nothing more; a later one moves the date on.
    st.fx.clock.advance(120_000);
    expect((await lifecycle(salonId, "payment", { payment_date: "2026-11-20T07:10:00Z" })).status).toBe(200);
    await st.fx.drain();
    st.fx.clock.advance(120_000);
    expect((await lifecycle(salonId, "payment", { event: undefined, event_type: "payment" })).status).toBe(200);
    await st.fx.drain();
    const after = (await getSalon(st.db.db, salonId))!;
    expect(after.status).toBe("active");
    expect(after.last_payment_date).not.toBeNull();
    expect(new Date(after.last_payment_date!).getTime()).toBeGreaterThan(new Date("2026-11-20T07:10:00Z").getTime());
    expect((await eventsOf(salonId)).filter((e) => ["frozen", "unfrozen", "payment"].includes(e))).toEqual(["frozen", "payment", "unfrozen", "payment"]);
  });

  it("refuses a payment with a wrong partner token or a date that is not one, acting on nothing", async () => {
    const { salonId } = await activeSalon();
    const before = await jobsQueued("/jobs/marketplace/lifecycle");
    expect((await lifecycle(salonId, "payment", { partner_token: "guess" })).status).toBe(403);
    const bad = await lifecycle(salonId, "payment", { data: { payment_date: "2026-02-31 10:00:00" } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "invalid_body", message: expect.stringContaining("data.payment_date") } });
    expect((await lifecycle(salonId, "payment", { payment_date: "yesterday" })).status).toBe(400);
    expect(await jobsQueued("/jobs/marketplace/lifecycle")).toBe(before);
    expect((await getSalon(st.db.db, salonId))!.last_payment_date).toBeNull();
  });

  it("uninstalls: logs WhatsApp out, wipes its auth state, kills the webhook URL; a repeat is harmless", async () => {
    const { salonId, hookPath } = await activeSalon();
    // The linked session's auth state is in Postgres until the uninstall.
    expect((await sql("select 1 from wa_auth where salon_id = $1", [salonId])).length).toBeGreaterThan(0);
    expect((await lifecycle(salonId, "uninstall")).status).toBe(200);
    await st.fx.drain();
    expect((await getSalon(st.db.db, salonId))!).toMatchObject({ status: "uninstalled", whatsapp_state: "none" });
    expect((await st.fx.services.gateway.status(salonId)).state).not.toBe("connected");
    expect(await sql("select 1 from wa_auth where salon_id = $1", [salonId])).toEqual([]);
    expect((await postJson(st.fx, hookPath, { company_id: salonId, resource: "record", resource_id: 1, status: "update", data: {} })).status).toBe(404);

    st.fx.clock.advance(120_000);
    expect((await lifecycle(salonId, "uninstall")).status).toBe(200);
    await st.fx.drain();
    expect((await eventsOf(salonId)).filter((e) => e === "uninstalled")).toHaveLength(1);

    // A salon that never linked WhatsApp has no session to log out and is uninstalled all the same.
    const pending = nextSalonId();
    await register(st.fx, pending);
    expect((await lifecycle(pending, "uninstall")).status).toBe(200);
    await st.fx.drain();
    expect((await getSalon(st.db.db, pending))!.status).toBe("uninstalled");
  });
});

describe("WhatsApp session events", () => {
  it("records the phone logging out and the re-link, keeping an active salon active", async () => {
    const { salonId } = await activeSalon("79220000000");
    const res = await fetch(`${st.gw.url}/emulator/sessions/${salonId}/disconnect`, {
      method: "POST",
      headers: { authorization: `Bearer ${await signServiceToken(STACK_SECRETS.GATEWAY_SECRET)}`, "content-type": "application/json" },
      body: JSON.stringify({ code: 401 }),
    });
    expect(res.status).toBe(200);
    // The gateway's outbox hands session.logged_out to the dispatcher on its own schedule.
    await vi.waitFor(async () => {
      await st.fx.drain();
      expect((await getSalon(st.db.db, salonId))!).toMatchObject({ status: "active", whatsapp_state: "logged_out" });
    });
    await st.scan(salonId, "79220000001");
    await vi.waitFor(async () => {
      await st.fx.drain();
      expect((await getSalon(st.db.db, salonId))!).toMatchObject({ status: "active", whatsapp_state: "connected", whatsapp_phone: "79220000001" });
    });
    expect(await eventsOf(salonId)).toEqual(expect.arrayContaining(["whatsapp_logged_out", "whatsapp_connected"]));
  });
});

describe("secrets", () => {
  it("never writes the webhook secret or the partner token to the log", async () => {
    const lines: string[] = [];
    const log = pino({ level: "trace", redact: { paths: [] } }, { write: (line: string) => void lines.push(line) });
    const app = createApp(createServices(st.fx.services.config, st.db.db, log, { dispatcher: st.fx.dispatcher, clock: st.fx.clock }));
    const { salonId, hookPath } = await activeSalon();
    const secret = hookPath.split("/").pop()!;
    const post = (path: string, body: unknown) => app.request(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    await post(hookPath, { company_id: salonId + 1, resource: "record", resource_id: 1, status: "update", data: {} });
    await post(hookPath, { company_id: salonId, resource: "record", resource_id: 1, status: "update", data: {} });
    await post(`/webhook/yclients/entity/${secret}x`, { company_id: salonId, resource: "record", resource_id: 1, status: "update", data: {} });
    await post("/webhook/yclients", { salon_id: salonId, application_id: APPLICATION_ID, event: "freeze", partner_token: PARTNER_TOKEN + "x" });
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).not.toContain(secret);
      expect(line).not.toContain(PARTNER_TOKEN);
    }
  });
});

describe("health", () => {
  it("names each dependency and leaks no secret", async () => {
    const res = await st.fx.app.request("/health");
    const text = await res.text();
    expect(JSON.parse(text).checks).toHaveProperty("database");
    expect(res.status).toBe(200);
    for (const secret of [st.fx.services.config.jwtSecret, st.fx.services.config.gatewaySecret, PARTNER_TOKEN]) expect(text).not.toContain(secret);
  });
});

describe("hostile bytes", () => {
  const gatewayCall = async (path: string, body: unknown) =>
    fetch(`${st.gw.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${await signServiceToken(STACK_SECRETS.GATEWAY_SECRET)}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("keeps and answers a WhatsApp message whose text and name carry a NUL and a lone surrogate", async () => {
    const { salonId } = await activeSalon();
    const from = "79163334455";
    const res = await gatewayCall(`/emulator/sessions/${salonId}/inbound`, { from, text: "Здравствуйте\u0000, есть время \ud83d завтра?", pushName: "Ан\u0000на \ud83d" });
    expect(res.status).toBe(200);
    await vi.waitFor(async () => {
      await st.fx.drain();
      expect(await sql("select text from messages where salon_id = $1 and phone = $2 and direction = 'in'", [salonId, from])).toEqual([
        { text: "Здравствуйте, есть время \ufffd завтра?" },
      ]);
    });
    expect(await sql("select push_name from conversations where salon_id = $1 and phone = $2", [salonId, from])).toEqual([{ push_name: "Анна \ufffd" }]);
    // The reply job waits for the rest of a burst; then the client hears back.
    st.fx.clock.advance(60_000);
    await vi.waitFor(async () => {
      await st.fx.drain();
      expect((await st.outbox(salonId)).filter((m) => m.to === `${from}@s.whatsapp.net`).length).toBeGreaterThan(0);
    });
  });

  it("stores a YClients client update whose data carries a NUL and a lone surrogate", async () => {
    const { salonId, hookPath } = await activeSalon();
    const res = await postJson(st.fx, hookPath, {
      company_id: salonId, resource: "client", resource_id: 987655, status: "update",
      data: { id: 987655, name: "Ма\u0000рия \udc00", phone: "+7 916 555-44-34", comment: "\u0000", "ключ\u0000": "x" },
    });
    expect(res.status).toBe(200);
    await st.fx.drain();
    expect(await sql("select name, phone from clients where salon_id = $1 and client_id = 987655", [salonId])).toEqual([{ name: "Мария \ufffd", phone: "79165554434" }]);
  });

  it("answers 404 to a NUL in the secret and 400 to data nested 5,000 deep, queueing nothing", async () => {
    const { salonId, hookPath } = await activeSalon();
    const before = await jobsQueued("/jobs/yclients/entity-webhook");
    const body = { company_id: salonId, resource: "client", resource_id: 1, status: "update", data: {} };
    expect((await postJson(st.fx, `${hookPath}%00`, body)).status).toBe(404);
    const deep = JSON.stringify(body).replace('"data":{}', `"data":{"x":${"[".repeat(5000)}${"]".repeat(5000)}}`);
    const res = await st.fx.app.request(hookPath, { method: "POST", headers: { "content-type": "application/json" }, body: deep });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "json_too_deep" } });
    expect(await jobsQueued("/jobs/yclients/entity-webhook")).toBe(before);
    const gateway = await gatewayCall(`/emulator/sessions/${salonId}/inbound`, { from: "79163334456", text: "x", id: "A".repeat(10) });
    expect(gateway.status).toBe(200);
    const deepInbound = await fetch(`${st.gw.url}/emulator/sessions/${salonId}/inbound`, {
      method: "POST",
      headers: { authorization: `Bearer ${await signServiceToken(STACK_SECRETS.GATEWAY_SECRET)}`, "content-type": "application/json" },
      body: `{"from":"79163334456","text":"x","x":${"[".repeat(5000)}${"]".repeat(5000)}}`,
    });
    expect(deepInbound.status).toBe(400);
  });

  it("does not echo the requested path in a 404", async () => {
    const res = await st.fx.app.request("/webhook/yclients/entity/some-secret/extra");
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain("some-secret");
  });
});
