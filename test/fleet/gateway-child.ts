/**
 * One gateway of the fleet test (test/fleet/), as a child process: the emulator transport, the database a real
 * PostgreSQL (DATABASE_URL, logged in as `authenticator` and acting as service_role, as PostgREST does), events only
 * enqueued (nobody delivers them: the test counts them in the queue). "READY" on stdout once it listens; SIGTERM stops
 * it as ECS would, with up to ECS's longest stop timeout (120 s) to hand its sessions over one by one. The emulator's
 * outbox (FLEET_OUTBOX) and its record of connections (FLEET_CONNECTIONS) are files the test reads, also after a
 * kill -9. Leases are short (FLEET_LEASE_TTL_SEC) so a dead gateway's sessions move soon.
 */
import pg from "pg";
import { systemClock } from "../../lib/clock.js";
import { loadConfigOrExit } from "../../lib/config/index.js";
import { dbFromSql } from "../../lib/db/client.js";
import { pgExecutor } from "../../lib/db/pg-executor.js";
import { LocalDispatcher } from "../../lib/dispatch/local.js";
import { createLogger } from "../../lib/log.js";
import { stopOnSignals } from "../../lib/stop-on-signals.js";
import { startGateway } from "../../whatsapp-gateway/server.js";

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};

const config = loadConfigOrExit();
const log = createLogger(config.logLevel, "fleet-gateway");
const pool = new pg.Pool({ connectionString: env("DATABASE_URL"), max: 6 });
pool.on("error", (err) => log.warn({ err }, "database connection lost"));
const db = dbFromSql(pgExecutor(pool, "service_role"));
const d = config.dispatch;
if (d.kind !== "local") throw new Error("the fleet test enqueues events locally");
const dispatcher = new LocalDispatcher({
  db, clock: systemClock, log, publicUrl: config.publicUrl, signingKey: d.currentSigningKey,
  deliver: () => Promise.reject(new Error("the fleet test only enqueues")),
});
const ttl = Number(env("FLEET_LEASE_TTL_SEC"));
const gateway = await startGateway({
  config, db, dispatcher, log, port: config.gatewayPort,
  emulatorOutboxFile: env("FLEET_OUTBOX"),
  emulatorConnectionsFile: env("FLEET_CONNECTIONS"),
  options: {
    holderId: `${env("FLEET_LINEAGE")}/${process.pid}`,
    leaseTtlSec: ttl,
    leaseRenewMs: Math.max(250, (ttl * 1000) / 4),
    sendGapMs: [10, 30],
    outboxPollMs: 500,
    // FLEET_PACING=production (bench/fleet.ts): production's claim waves and scans (5 at a time, 0.5–2 s apart, a scan
    // every 2 s); otherwise faster ones, so the test's kill and restart fit its time.
    ...(process.env.FLEET_PACING === "production" ? {} : { restoreJitterMs: [0, 50] as [number, number], restoreConcurrency: 10, fleetScanMs: 500 }),
  },
});
console.log("READY");
stopOnSignals(async () => {
  await gateway.close();
  await pool.end();
}, { hardStopMs: 120_000, say: (line) => log.info(line) });
