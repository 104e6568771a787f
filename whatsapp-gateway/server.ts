import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { systemClock, type Clock } from "../lib/clock.js";
import type { Config } from "../lib/config/index.js";
import type { Db } from "../lib/db/client.js";
import type { Dispatcher } from "../lib/dispatch/dispatcher.js";
import type { Logger } from "../lib/log.js";
import { createGatewayApp } from "./app.js";
import { SharedKeyCache } from "./auth-state.js";
import { defaultGatewayOptions, type GatewayOptions } from "./config.js";
import { EventOutbox } from "./outbox.js";
import { SessionManager } from "./sessions/manager.js";
import { attachOnboardingSocket } from "./socket/onboarding.js";
import { GatewayStore } from "./store.js";
import { startElsewhereWith } from "./sessions/peers.js";
import { BaileysTransport } from "./transport/baileys.js";
import { EmulatorWorld } from "./transport/emulator.js";
import type { Transport } from "./transport/types.js";
import { fetchWhatsAppWebVersion, WebVersion, type FetchWebVersion } from "./transport/web-version.js";

/**
 * The gateway in one call (local/stack.ts, main.ts and the tests):
 *
 *   const gw = await startGateway({ config, db, dispatcher, log, port: 0,
 *                                   clock?, options?: Partial<GatewayOptions>, transport? });
 *   gw.url / gw.port        HTTP: /health, /v1/* service API, /emulator/* (emulator), WS /v1/onboarding
 *   gw.sessions             the SessionManager (status, start, sendText, renewLeases, …)
 *   gw.emulator             the EmulatorWorld when config.whatsappTransport is "emulator" (outbox, sessions)
 *   gw.restored             resolves with how many paired sessions came back after the start
 *   await gw.close()        hands sessions over to the other gateways (or closes them: sockets, auth writes, leases),
 *                           leaves the fleet registry, waits for event publishes
 *
 * `dispatcher` is where events go (paths in lib/contract/events.ts). `transport` overrides the one the config
 * names (tests pass a Baileys transport over a stand-in socket). Tests set `options` waits to ~0.
 */
export interface GatewayDeps {
  config: Config;
  db: Db;
  dispatcher: Dispatcher;
  log: Logger;
  port: number;
  clock?: Clock;
  options?: Partial<GatewayOptions>;
  transport?: Transport;
  /** Where the emulator keeps what it delivered, so its outbox survives a crash (local/stack.ts: in DATA_DIR). */
  emulatorOutboxFile?: string;
  /** Where the emulator records each connection opening and closing (test/fleet/: processes sharing one file). */
  emulatorConnectionsFile?: string;
  /** Bring back paired sessions at start (default true). */
  restore?: boolean;
  /** Where the Baileys transport learns WhatsApp's current Web version (default: WhatsApp Web itself). */
  fetchWebVersion?: FetchWebVersion;
}

export interface RunningGateway {
  port: number;
  url: string;
  sessions: SessionManager;
  outbox: EventOutbox;
  emulator: EmulatorWorld | undefined;
  restored: Promise<number>;
  close(): Promise<void>;
}

export async function startGateway(deps: GatewayDeps): Promise<RunningGateway> {
  const clock = deps.clock ?? systemClock;
  const options: GatewayOptions = { ...defaultGatewayOptions(), capacity: deps.config.gatewayMaxSessions, ...deps.options };
  const log = deps.log;
  const store = new GatewayStore(deps.db);
  const keyCache = new SharedKeyCache(options.keyCacheEntries);
  const emulator = !deps.transport && deps.config.whatsappTransport === "emulator" ? new EmulatorWorld(clock, deps.emulatorOutboxFile, deps.emulatorConnectionsFile) : undefined;
  const transport: Transport = deps.transport ?? emulator ?? baileysTransport(deps, clock, options, keyCache);
  const outbox = new EventOutbox({ store, dispatcher: deps.dispatcher, clock, log, pollMs: options.outboxPollMs });
  const sessions = new SessionManager({
    store, transport, outbox, clock, log, options, keyCache, startElsewhere: startElsewhereWith(deps.config.gatewaySecret),
  });

  const app = createGatewayApp({
    db: deps.db, log, store, sessions, outbox, gatewaySecret: deps.config.gatewaySecret, transportKind: transport.kind, emulator,
    webVersion: transport.webVersion?.bind(transport),
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: deps.port, hostname: "0.0.0.0" }, () => resolve(s as Server)) as Server;
    s.once("error", reject);
  });
  const socket = attachOnboardingSocket(server, {
    sessions, db: deps.db, jwtSecret: deps.config.jwtSecret, allowedOrigins: deps.config.allowedOrigins, options, clock, log,
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : deps.port;

  outbox.start();
  sessions.startLeaseRenewal();
  // Registered before the restore: what it restores is this gateway's share of the fleet's sessions.
  await sessions.fleet.register(deps.config.gatewayInternalUrl ?? `http://127.0.0.1:${port}`);
  sessions.fleet.startScanning();
  const restored = deps.restore === false ? Promise.resolve(0) : sessions.restoreAll().catch((err) => {
    log.error({ err }, "restore failed");
    return 0;
  });
  log.info({ port, transport: transport.kind, holder: options.holderId }, "gateway listening");

  let closing: Promise<void> | undefined;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    sessions,
    outbox,
    emulator,
    restored,
    close: () =>
      (closing ??= (async () => {
        await socket.close();
        await sessions.stop();
        await restored;
        await outbox.stop();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })()),
  };
}

/** Baileys, presenting WHATSAPP_WEB_VERSION or the Web version WhatsApp serves now, looked up in the background. */
function baileysTransport(deps: GatewayDeps, clock: Clock, options: GatewayOptions, keyCache: SharedKeyCache): BaileysTransport {
  const log = deps.log.child({ part: "baileys-transport" });
  const webVersion = new WebVersion({
    override: deps.config.whatsappWebVersion, fetch: deps.fetchWebVersion ?? fetchWhatsAppWebVersion,
    timeoutMs: options.webVersionTimeoutMs, clock, log,
  });
  webVersion.learn();
  return new BaileysTransport({ log, clock, options, keyCache, webVersion });
}
