/**
 * The end-to-end world: `npm start`'s own `startStack` (local/stack.ts) on free ports and a temporary DATA_DIR, with
 * no partner token (so it starts the YClients sandbox), the WhatsApp emulator, the local dispatcher, and the Gemini
 * fake behind GEMINI_BASE_URL. The test plays the people around it:
 *   - the salon owner: a real browser on `urls.functions` (see browser.ts), a marketplace redirect URL signed as
 *     YClients signs it (`redirectUrl`);
 *   - the salon's phone and its clients: the gateway's emulator control API over HTTP with the service JWT
 *     (`scan`, `clientWrites`, `outbox`), as any tool outside the process would;
 *   - YClients: the sandbox the stack started (`sandbox`: partner callbacks received, records, attendance);
 *   - time: `clock`, which runs with real time and can be moved forward; the crons' timers are off, and the test runs
 *     a cron (functions/crons/<name>.ts `run`) when its clock says a tick is due.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startGeminiFake, type GeminiFake } from "../../../fakes/gemini/server.js";
import { marketplaceRedirectUrl, type MarketplaceUserData, type YClientsSandbox } from "../../../fakes/yclients/index.js";
import { loadConfig } from "../../../lib/config/index.js";
import { signServiceToken } from "../../../lib/contract/service-token.js";
import { createLogger } from "../../../lib/log.js";
import { startStack, type Stack } from "../../../local/stack.js";
import { localStackEnv } from "../../support/local-stack-env.js";
import { RunningClock } from "./clock.js";

export interface OutboxMessage {
  id: string;
  to: string;
  text: string;
  at: string;
}

export interface E2eWorld {
  stack: Stack;
  sandbox: YClientsSandbox;
  gemini: GeminiFake;
  clock: RunningClock;
  urls: { functions: string; gateway: string };
  /** The marketplace "connect" link YClients sends the owner to, with user_data signed by the partner token; the
   * sandbox lists `user` as an administrator of the salon (its company_users), as YClients would for the owner. */
  redirectUrl(salonId: number, user: MarketplaceUserData): string;
  /** The salon's phone scans the QR or enters the pairing code as `phone`; resolves with the gateway's answer. */
  scan(salonId: number, phone: string): Promise<{ state: string; phone: string | null }>;
  /**
   * The owner installs the salon over HTTP as the onboarding page would (that page's own browser test is
   * owner-and-client): the marketplace redirect, WhatsApp linked as `phone`, activated. Resolves with the owner's
   * session from the redirect.
   */
  install(salonId: number, owner: MarketplaceUserData, phone: string): Promise<{ cookie: string; csrf: string }>;
  /** A client writes to the salon's WhatsApp. */
  clientWrites(salonId: number, from: string, text: string, pushName?: string): Promise<string>;
  /** WhatsApp reports a message the salon sent as delivered or read on the client's phone. */
  receipt(salonId: number, messageId: string, status: "delivered" | "read"): Promise<void>;
  /** Everything the bot sent from the salon's WhatsApp, oldest first. */
  outbox(salonId: number): Promise<OutboxMessage[]>;
  /** What the bot sent to one phone. */
  sentTo(salonId: number, phone: string): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startE2eWorld(opts: { start: Date; confirmationDelaySec: number }): Promise<E2eWorld> {
  const dataDir = mkdtempSync(join(tmpdir(), "ai-admin-e2e-"));
  const gemini = await startGeminiFake();
  const config = loadConfig({
    ...(await localStackEnv(dataDir)),
    WHATSAPP_TRANSPORT: "emulator",
    GEMINI_API_KEY: "e2e-gemini-key",
    GEMINI_BASE_URL: gemini.url,
    BOOKING_CONFIRMATION_DELAY_SECONDS: String(opts.confirmationDelaySec),
    LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? "silent",
  });
  if (config.yclients.partnerToken) throw new Error("the end-to-end suite runs on the YClients sandbox: unset YCLIENTS_PARTNER_TOKEN");
  const clock = new RunningClock(opts.start);
  const log = createLogger(config.logLevel);
  let stack: Stack;
  try {
    // The crons' timers stay off: the test moves the clock and then calls each cron's run() itself, as a tick would.
    stack = await startStack(config, log, { clock, servePsql: false, runCrons: false });
  } catch (err) {
    await gemini.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const sandbox = stack.yclientsSandbox;
  if (!sandbox) throw new Error("local/stack.ts did not start the YClients sandbox without a partner token");
  const partnerToken = stack.config.yclients.partnerToken!;
  const gatewayUrl = stack.urls.gateway.replace("localhost", "127.0.0.1");

  const control = async <T>(path: string, body?: unknown): Promise<T> => {
    const res = await fetch(gatewayUrl + path, {
      method: body === undefined ? "GET" : "POST",
      headers: { authorization: `Bearer ${await signServiceToken(stack.config.gatewaySecret)}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`emulator ${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  };
  const outbox = async (salonId: number) => (await control<{ messages: OutboxMessage[] }>(`/emulator/sessions/${salonId}/outbox`)).messages;
  const redirectUrl = (salonId: number, user: MarketplaceUserData) => {
    // The redirect honours only a user YClients lists as the salon's administrator.
    sandbox.addCompanyUser(salonId, { id: user.id, name: user.name, phone: user.phone, email: user.email }, { admin: true });
    return marketplaceRedirectUrl(config.publicUrl, partnerToken, salonId, user);
  };
  const scan = (salonId: number, phone: string) => control<{ state: string; phone: string | null }>(`/emulator/sessions/${salonId}/scan`, { phone });

  return {
    stack,
    sandbox,
    gemini,
    clock,
    urls: { functions: config.publicUrl, gateway: gatewayUrl },
    redirectUrl,
    scan,
    install: async (salonId, owner, phone) => {
      const r = await fetch(redirectUrl(salonId, owner), { redirect: "manual" });
      const cookie = r.headers.get("set-cookie")!.split(";")[0]!;
      const html = await (await fetch(`${config.publicUrl}/marketplace/onboarding?salon_id=${salonId}`, { headers: { cookie } })).text();
      const page = JSON.parse(/id="onboarding-config">([^<]*)</.exec(html)![1]!) as { token: string; csrf: string };
      await scan(salonId, phone);
      const a = await fetch(`${config.publicUrl}/marketplace/activate`, {
        method: "POST", headers: { cookie, "x-csrf-token": page.csrf, "content-type": "application/json" }, body: JSON.stringify({ token: page.token }),
      });
      if (a.status !== 200) throw new Error(`activation of salon ${salonId} answered ${a.status}: ${await a.text()}`);
      return { cookie, csrf: page.csrf };
    },
    clientWrites: async (salonId, from, text, pushName) =>
      (await control<{ messageId: string }>(`/emulator/sessions/${salonId}/inbound`, { from, text, ...(pushName ? { pushName } : {}) })).messageId,
    receipt: async (salonId, messageId, status) => {
      await control(`/emulator/sessions/${salonId}/receipt`, { messageId, status });
    },
    outbox,
    sentTo: async (salonId, phone) => (await outbox(salonId)).filter((m) => m.to === `${phone}@s.whatsapp.net`).map((m) => m.text),
    async stop() {
      try {
        await stack.stop();
      } finally {
        await gemini.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}
