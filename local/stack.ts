import { serve, type ServerType } from "@hono/node-server";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import type { Hono } from "hono";
import { systemClock, type Clock } from "../lib/clock.js";
import type { Config } from "../lib/config/index.js";
import { connectDatabase, type Database } from "../lib/db/client.js";
import { LocalDispatcher } from "../lib/dispatch/local.js";
import type { Logger } from "../lib/log.js";
import { createApp } from "../functions/app.js";
import { createServices } from "../functions/services.js";
import type { Services } from "../lib/services.js";
import { lineageHolderId, type GatewayOptions } from "../whatsapp-gateway/config.js";
import { startGateway, type RunningGateway } from "../whatsapp-gateway/server.js";
import { startYClientsSandbox, type YClientsSandbox } from "../fakes/yclients/index.js";
import { randomBytes, randomInt } from "node:crypto";
import { join } from "node:path";
import { startLocalCrons } from "./crons.js";

export interface Stack {
  config: Config;
  database: Database;
  services: Services;
  app: Hono;
  dispatcher: LocalDispatcher | undefined;
  gateway: RunningGateway;
  urls: { functions: string; gateway: string; psql: string | null; yclientsSandbox: string | null };
  /** The YClients sandbox, when there is no partner token. */
  yclientsSandbox: YClientsSandbox | undefined;
  stop(): Promise<void>;
}

function listen(app: Hono, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname: "0.0.0.0" }, () => resolve(server));
    server.once("error", reject);
  });
}

function close(server: ServerType): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * The whole system on one machine: database, gateway, functions, the local dispatcher and the crons.
 * `npm start` and the end-to-end tests both run this.
 */
export async function startStack(
  givenConfig: Config,
  log: Logger,
  opts: { clock?: Clock; servePsql?: boolean; runCrons?: boolean; gatewayOptions?: Partial<GatewayOptions> } = {},
): Promise<Stack> {
  const clock = opts.clock ?? systemClock;
  // No partner token: YClients is the sandbox, on a free port, with credentials made up for this run.
  let config = givenConfig;
  let yclientsSandbox: YClientsSandbox | undefined;
  if (!config.yclients.partnerToken) {
    const partnerToken = randomBytes(16).toString("hex");
    const userToken = randomBytes(16).toString("hex");
    const applicationId = config.yclients.applicationId ?? randomInt(1000, 10_000);
    yclientsSandbox = await startYClientsSandbox({ partnerToken, userToken, applicationId, clock, emitWebhooks: true });
    config = { ...config, yclients: { baseUrl: yclientsSandbox.url!, partnerToken, userToken, applicationId } };
    log.info({ url: yclientsSandbox.url, applicationId }, "YClients sandbox started (no YCLIENTS_PARTNER_TOKEN)");
  }
  const database = await connectDatabase(config.database);
  let psql: PGLiteSocketServer | undefined;
  if (database.pg && config.database.kind === "embedded" && opts.servePsql !== false) {
    psql = new PGLiteSocketServer({ db: database.pg, port: config.database.localDbPort, host: "127.0.0.1" });
    await psql.start();
  }

  let app: Hono | undefined;
  const dispatcher =
    config.dispatch.kind === "local"
      ? new LocalDispatcher({
          db: database.db,
          clock,
          log: log.child({ part: "dispatcher" }),
          publicUrl: config.publicUrl,
          signingKey: config.dispatch.currentSigningKey,
          exclusive: config.database.kind === "embedded",
          // Delivered in process: PUBLIC_URL may be a tunnel, but the signature still names it, as QStash's would.
          deliver: (url, init) => Promise.resolve(app!.fetch(new Request(url, init))),
        })
      : undefined;
  const services = createServices(config, database.db, log, { dispatcher, clock });
  // The gateway publishes WhatsApp events through the same dispatcher (locally its publish only enqueues).
  const gateway = await startGateway({
    config, db: database.db, dispatcher: services.dispatcher, log: log.child({ part: "gateway" }), port: config.gatewayPort, clock,
    // A restart on the same DATA_DIR resumes its sessions at once; the emulator's deliveries survive it too.
    options: { holderId: lineageHolderId(config.dataDir), ...opts.gatewayOptions },
    emulatorOutboxFile: join(config.dataDir, "emulator-outbox.jsonl"),
  });
  app = createApp(services);
  const server = await listen(app, config.port);
  dispatcher?.start();
  // Tests that move the clock call each cron's run() themselves instead.
  const crons = opts.runCrons === false ? undefined : startLocalCrons(services, log.child({ part: "crons" }));

  return {
    config,
    database,
    services,
    app,
    dispatcher,
    gateway,
    urls: {
      functions: `http://localhost:${config.port}`,
      gateway: `http://localhost:${gateway.port}`,
      psql: psql ? `psql -h 127.0.0.1 -p ${config.database.kind === "embedded" ? config.database.localDbPort : ""} -U postgres` : null,
      yclientsSandbox: yclientsSandbox ? `${yclientsSandbox.url} (application id ${config.yclients.applicationId}, partner token generated for this run)` : null,
    },
    yclientsSandbox,
    async stop() {
      // Order matters: stop taking work, finish what is in flight, then close the database last.
      await crons?.stop();
      await close(server);
      await dispatcher?.stop();
      await gateway.close();
      await psql?.stop();
      await yclientsSandbox?.close();
      await database.close();
    },
  };
}
