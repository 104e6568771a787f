import { systemClock } from "../lib/clock.js";
import { describeConfig, loadConfigOrExit } from "../lib/config/index.js";
import { connectDatabase } from "../lib/db/client.js";
import type { Dispatcher } from "../lib/dispatch/dispatcher.js";
import { LocalDispatcher } from "../lib/dispatch/local.js";
import { createQStashDispatcher } from "../lib/dispatch/qstash.js";
import { createLogger } from "../lib/log.js";
import { stopOnSignals } from "../lib/stop-on-signals.js";
import { lineageHolderId } from "./config.js";
import { startGateway } from "./server.js";

/**
 * The container's entry (whatsapp-gateway/Dockerfile): the gateway alone, against Supabase (or the embedded
 * database when SUPABASE_URL is absent). Events go to QStash; without QSTASH_TOKEN a LocalDispatcher is used only
 * to enqueue them into Postgres, where the functions' own local dispatcher delivers them (no worker runs here).
 * SIGTERM drains: the gateway stops accepting, hands its sessions over one by one to the other gateways of the fleet
 * (or, alone, closes sockets, flushes auth writes and releases leases), then leaves the registry.
 */

const config = loadConfigOrExit();

const log = createLogger(config.logLevel, "whatsapp-gateway");
const database = await connectDatabase(config.database);
const d = config.dispatch;
const dispatcher: Dispatcher =
  d.kind === "qstash"
    ? createQStashDispatcher({ baseUrl: d.url, token: d.token, publicUrl: config.publicUrl })
    : new LocalDispatcher({
        db: database.db, clock: systemClock, log, publicUrl: config.publicUrl, signingKey: d.currentSigningKey,
        deliver: () => Promise.reject(new Error("this process only enqueues; the functions' dispatcher delivers")),
      });
const gateway = await startGateway({
  config, db: database.db, dispatcher, log, port: config.gatewayPort, options: { trustProxy: config.gatewayTrustProxy, holderId: lineageHolderId(config.database.kind === "embedded" ? config.dataDir : null) },
});

const relevant = describeConfig(config).filter((l) => /^(database|jobs|whatsapp):/.test(l));
console.log(["WhatsApp gateway running", ...relevant.map((l) => `  ${l}`), `  listening: ${gateway.port}`].join("\n"));

stopOnSignals(
  async () => {
    await gateway.close();
    await database.close();
  },
  { hardStopMs: 20_000, say: (line) => log.info(line) },
);
