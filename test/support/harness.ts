/**
 * How tests reach the real thing:
 * - database: `openTestDatabase()` is the embedded Postgres in memory with every migration applied; one per test
 *   file, so tests in a file share it and must use their own salon ids (`nextSalonId()`), never shared seed ids.
 *   Under vitest it starts from the run's migrated snapshot (test/support/migrated-snapshot.ts).
 *   With TEST_DATABASE_URL it is a real PostgreSQL set up as Supabase (test/support/real-postgres.ts): SQL a test
 *   runs itself goes through `sql`, not `pg` (which only the embedded one has).
 * - functions: `createTestFunctions()` builds the real app with a local dispatcher that delivers through
 *   `app.request` and a ManualClock; `drain()` delivers every due job.
 * - outside services: the fakes in fakes/ (YClients sandbox, Gemini, QStash) speak their wire formats, and the
 *   gateway runs with the emulator transport. QStash: `startQStashFake()` (fakes/qstash/server.ts) takes the real
 *   Client's publishes, records them, and `deliver(messageId)` posts one signed attempt to the destination.
 */
import { signServiceToken } from "../../lib/contract/service-token.js";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../lib/clock.js";
import { loadConfig, type Config } from "../../lib/config/index.js";
import { connectDatabase, type Database } from "../../lib/db/client.js";
import type { SqlConnection } from "../../lib/db/migrations.js";
import { LocalDispatcher } from "../../lib/dispatch/local.js";
import { createLogger } from "../../lib/log.js";
import type { GatewayClient } from "../../lib/gateway/client.js";
import { createApp } from "../../functions/app.js";
import { createServices, type ServiceOverrides } from "../../functions/services.js";
import type { Services } from "../../lib/services.js";
import { SNAPSHOT_ENV } from "./migrated-snapshot.js";
import { openRealTestDatabase } from "./real-postgres.js";

/** A test's database, with `sql`: SQL as the database owner beside the RPC layer, for setting up and looking. */
export type TestDatabase = Database & { sql: SqlConnection };

/** The embedded Postgres; with TEST_DATABASE_URL, a fresh database on that real server (test/support/real-postgres.ts). */
export async function openTestDatabase(): Promise<TestDatabase> {
  const url = process.env.TEST_DATABASE_URL;
  if (url) return openRealTestDatabase(url, process.env.TEST_SUPABASE_AUTO_EXPOSE === "on");
  const snapshot = process.env[SNAPSHOT_ENV];
  const database = await connectDatabase({ kind: "memory", seed: snapshot ? new Blob([readFileSync(snapshot)]) : undefined });
  return { ...database, sql: database.pg! };
}

let salonSeq = 0;
/** A salon id no other test in this process uses. */
export function nextSalonId(): number {
  salonSeq += 1;
  return 100_000 + process.pid * 100 + salonSeq;
}

export const silentLog = createLogger("silent");

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), "ai-admin-test-")), ...env });
}

export interface TestFunctions {
  services: Services;
  app: ReturnType<typeof createApp>;
  dispatcher: LocalDispatcher;
  clock: ManualClock;
  /** Delivers every due job, including the ones they publish. */
  drain(): Promise<number>;
}

export function createTestFunctions(
  db: Database,
  opts: { config?: Config; clock?: ManualClock } & Pick<ServiceOverrides, "gateway" | "yclients"> = {},
): TestFunctions {
  const config = opts.config ?? testConfig();
  const clock = opts.clock ?? new ManualClock();
  if (config.dispatch.kind !== "local") throw new Error("tests run on the local dispatcher");
  let app: ReturnType<typeof createApp> | undefined;
  const dispatcher = new LocalDispatcher({
    db: db.db,
    clock,
    log: silentLog,
    publicUrl: config.publicUrl,
    signingKey: config.dispatch.currentSigningKey,
    deliver: (url, init) => Promise.resolve(app!.request(url, init)),
  });
  const services = createServices(config, db.db, silentLog, { dispatcher, clock, gateway: opts.gateway, yclients: opts.yclients });
  app = createApp(services);
  return { services, app, dispatcher, clock, drain: () => dispatcher.drain() };
}

/** A port free on 127.0.0.1 right now, for servers a test starts on real ports (the stack, its database). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      const port = typeof address === "object" && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** The gateway's operator details (`GET /v1/health`, behind the service token). */
export async function gatewayDetails(url: string, gatewaySecret: string): Promise<Record<string, any>> {
  const res = await fetch(`${url}/v1/health`, { headers: { authorization: `Bearer ${await signServiceToken(gatewaySecret)}` } });
  return (await res.json()) as Record<string, any>;
}
