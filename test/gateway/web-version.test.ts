/**
 * The WhatsApp Web version the gateway presents: learned from WhatsApp at start, overridden by
 * WHATSAPP_WEB_VERSION, the bundled one when neither is there; shown on /health. The lookup is injected, so
 * nothing here reaches the internet.
 */
import { DEFAULT_CONNECTION_CONFIG, type WAVersion } from "@whiskeysockets/baileys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../lib/clock.js";
import type { Database } from "../../lib/db/client.js";
import { startGateway } from "../../whatsapp-gateway/server.js";
import { WebVersion, type FetchWebVersion } from "../../whatsapp-gateway/transport/web-version.js";
import { gatewayDetails, openTestDatabase, silentLog, testConfig } from "../support/harness.js";
import { jobQueue } from "./queue.js";

const BUNDLED = DEFAULT_CONNECTION_CONFIG.version.join(".");
const clock = new ManualClock("2026-11-23T10:00:00Z");
const versionOf = (deps: { override?: WAVersion; fetch: FetchWebVersion | null; timeoutMs?: number }) =>
  new WebVersion({ override: deps.override ?? null, fetch: deps.fetch, timeoutMs: deps.timeoutMs ?? 1000, clock, log: silentLog });

describe("which WhatsApp Web version a socket presents", () => {
  it("the one WhatsApp serves now, once the lookup answers", async () => {
    const v = versionOf({ fetch: async () => [2, 3000, 1099999999] });
    v.learn();
    expect(await v.current()).toEqual([2, 3000, 1099999999]);
    expect(v.status()).toEqual({ version: "2.3000.1099999999", source: "fetched", outdatedSince: null });
  });

  it("WHATSAPP_WEB_VERSION over anything WhatsApp says, without asking", async () => {
    let asked = 0;
    const v = versionOf({ override: [2, 3000, 1023456789], fetch: async () => (asked++, [2, 3000, 1]) });
    v.learn();
    v.rejected();
    expect(await v.current()).toEqual([2, 3000, 1023456789]);
    expect(v.status()).toMatchObject({ version: "2.3000.1023456789", source: "override" });
    expect(asked).toBe(0);
  });

  it("the bundled one when the lookup fails, finds nothing, or does not answer in time", async () => {
    const lookups: FetchWebVersion[] = [
      async () => {
        throw new Error("getaddrinfo ENOTFOUND web.whatsapp.com");
      },
      async () => null,
      async () => [2, 3000, Number.NaN],
      (signal) => new Promise((_, reject) => signal.addEventListener("abort", () => reject(new Error("aborted")))),
      () => new Promise(() => {}), // ignores its signal: the race still ends the wait
    ];
    for (const fetch of lookups) {
      const v = versionOf({ fetch, timeoutMs: 20 });
      v.learn();
      expect(await v.current()).toEqual(DEFAULT_CONNECTION_CONFIG.version);
      expect(v.status()).toMatchObject({ version: BUNDLED, source: "bundled" });
    }
  });

  it("after a 405 says since when the version is refused, asks again, and clears once a connection opens", async () => {
    const answers: Array<WAVersion | null> = [[2, 3000, 100], [2, 3000, 200]];
    const v = versionOf({ fetch: async () => answers.shift() ?? null });
    v.learn();
    expect(await v.current()).toEqual([2, 3000, 100]);
    v.rejected();
    expect(v.status().outdatedSince).toBe(clock.now().toISOString());
    expect(await v.current()).toEqual([2, 3000, 200]);
    v.accepted();
    expect(v.status()).toEqual({ version: "2.3000.200", source: "fetched", outdatedSince: null });
  });
});

describe("the gateway on Baileys", () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  async function gatewayWith(env: Record<string, string>, fetchWebVersion: FetchWebVersion) {
    const config = testConfig({ WHATSAPP_TRANSPORT: "baileys", ...env });
    secret = config.gatewaySecret;
    const dispatcher = jobQueue(database, config, clock);
    return startGateway({
      config, db: database.db, dispatcher, log: silentLog, port: 0, clock, restore: false, fetchWebVersion,
      options: { webVersionTimeoutMs: 30_000 },
    });
  }

  let secret = "";
  const webOf = async (url: string) => (await gatewayDetails(url, secret)).whatsappWeb;

  it("starts without waiting for the lookup and shows on /health what it learned", async () => {
    let answer: (v: WAVersion) => void = () => {};
    const gw = await gatewayWith({}, () => new Promise<WAVersion>((resolve) => (answer = resolve)));
    try {
      expect(await webOf(gw.url)).toEqual({ version: BUNDLED, source: "bundled", outdatedSince: null });
      answer([2, 3000, 1077777777]);
      await new Promise((r) => setTimeout(r, 0));
      expect(await webOf(gw.url)).toEqual({ version: "2.3000.1077777777", source: "fetched", outdatedSince: null });
    } finally {
      await gw.close();
    }
  });

  it("with WHATSAPP_WEB_VERSION set shows the override and never asks WhatsApp", async () => {
    let asked = false;
    const gw = await gatewayWith({ WHATSAPP_WEB_VERSION: "2.3000.1023456789" }, async () => ((asked = true), [2, 3000, 1]));
    try {
      expect(await webOf(gw.url)).toEqual({ version: "2.3000.1023456789", source: "override", outdatedSince: null });
      expect(asked).toBe(false);
    } finally {
      await gw.close();
    }
  });
});
