/**
 * The gateway's side of typing-aware bursts: the salon's WhatsApp is "available" (and so hears a client typing) only
 * while a reply to a client is pending, the client's presence is kept per chat, and a storm of it publishes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../lib/clock.js";
import type { Config } from "../../lib/config/index.js";
import { signServiceToken } from "../../lib/contract/service-token.js";
import { registerSalon } from "../../lib/salons/store.js";
import { startGateway, type RunningGateway } from "../../whatsapp-gateway/server.js";
import { nextSalonId, openTestDatabase, silentLog, testConfig, type TestDatabase } from "../support/harness.js";
import { jobQueue } from "./queue.js";

let database: TestDatabase;
let config: Config;
let clock: ManualClock;
let gw: RunningGateway;

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(gw.url + path, {
    method,
    headers: { authorization: `Bearer ${await signServiceToken(config.gatewaySecret)}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

async function eventually<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await read();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never happened: ${what}`);
}

async function salonConnected(): Promise<number> {
  const salonId = nextSalonId();
  await registerSalon(database.db, clock, {
    salonId, title: "Салон", address: null, phone: null, timezone: "Europe/Moscow", company: {}, marketplaceUser: null, eventData: {},
  });
  expect((await api("POST", `/emulator/sessions/${salonId}/scan`, { phone: `7495${String(salonId).slice(-7).padStart(7, "0")}` })).json.state).toBe("connected");
  return salonId;
}

const presence = (salonId: number, from: string, state: string) => api("POST", `/emulator/sessions/${salonId}/presence`, { from, state });

async function kept(salonId: number, phone: string): Promise<string | null> {
  const { rows } = await database.pg!.query<{ state: string }>("select state from chat_presence where salon_id = $1 and phone = $2", [salonId, phone]);
  return rows[0]?.state ?? null;
}

async function jobsOf(salonId: number): Promise<number> {
  const { rows } = await database.pg!.query<{ n: string }>(
    "select count(*) as n from local_dispatch where (body::jsonb ->> 'salonId')::bigint = $1", [salonId]);
  return Number(rows[0]!.n);
}

beforeAll(async () => {
  database = await openTestDatabase();
  config = testConfig({ WHATSAPP_TRANSPORT: "emulator", PUBLIC_URL: "http://functions.test" });
  clock = new ManualClock("2026-11-23T10:00:00Z");
  const dispatcher = jobQueue(database, config, clock);
  gw = await startGateway({
    config, db: database.db, dispatcher, log: silentLog, port: 0, clock,
    options: { sendGapMs: [0, 0], sendAckWaitMs: 0, leaseRenewMs: 3_600_000, outboxPollMs: 3_600_000, restoreJitterMs: [0, 0] },
  });
}, 30_000);

afterAll(async () => {
  await gw?.close();
  await database?.close();
});

describe("typing watch", () => {
  it("the salon's WhatsApp is online only while a reply is pending, and hears the client type only then", async () => {
    const salonId = await salonConnected();
    const client = "79161110001";
    expect((await presence(salonId, client, "composing")).json).toEqual({ delivered: false, available: false });

    await api("POST", `/emulator/sessions/${salonId}/inbound`, { from: client, text: "Сколько стоит стрижка?" });
    await eventually("the salon to go online", () => presence(salonId, client, "composing"), (r) => r.json.delivered === true);
    expect(await eventually("the typing to be kept", () => kept(salonId, client), (s) => s === "composing")).toBe("composing");
    await presence(salonId, client, "paused");
    expect(await eventually("the pause to be kept", () => kept(salonId, client), (s) => s === "paused")).toBe("paused");

    const sent = await api("POST", `/v1/sessions/${salonId}/messages`, { to: client, text: "1500 ₽", idempotencyKey: `t-${salonId}` });
    expect(sent.status).toBe(200);
    expect((await presence(salonId, client, "composing")).json).toEqual({ delivered: false, available: false });
    expect(await kept(salonId, client)).toBe("paused");
  });

  it("a presence storm from one chat publishes no job and keeps only the latest state; another chat is not held up", async () => {
    const salonId = await salonConnected();
    const client = "79161110002";
    await api("POST", `/emulator/sessions/${salonId}/inbound`, { from: client, text: "Здравствуйте" });
    await eventually("the salon to go online", () => presence(salonId, client, "paused"), (r) => r.json.delivered === true);
    const before = await jobsOf(salonId);
    await Promise.all(Array.from({ length: 400 }, (_, i) => presence(salonId, client, i % 2 === 0 ? "composing" : "paused")));
    await presence(salonId, client, "composing");
    expect(await jobsOf(salonId)).toBe(before);
    expect(await eventually("the last state to be kept", () => kept(salonId, client), (s) => s === "composing")).toBe("composing");

    await api("POST", `/emulator/sessions/${salonId}/inbound`, { from: "79161110003", text: "А мне?" });
    expect(await jobsOf(salonId)).toBe(before + 1);
  });
});
