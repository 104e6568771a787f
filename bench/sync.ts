/**
 * `npx tsx bench/sync.ts`: a full sync of one salon with 10,000 clients and 2,000 records against the YClients
 * sandbox at 50 ms latency per request and YClients' real limit (5 rps / 200 rpm, enforced by the sandbox with 429s,
 * respected by the client's shared limiter), into the embedded database. Reports requests made, wall time, the
 * floor (requests needed ÷ 5 per second) and the ratio to it. Target: within 1.2× of the floor.
 *
 * The sandbox runs in its own process (fakes/yclients/serve.ts): like YClients, it counts requests on its own
 * clock, not on one the embedded database's work in this process can stall.
 *
 * `benchSync(options)` is the same run as a function, for `bench/run.ts` or a REPL.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { systemClock } from "../lib/clock.js";
import { loadConfig } from "../lib/config/index.js";
import { connectDatabase } from "../lib/db/client.js";
import { LocalDispatcher } from "../lib/dispatch/local.js";
import { createLogger } from "../lib/log.js";
import { syncSalon } from "../lib/sync/sync-salon.js";
import { createYClientsClient, RateLimiter } from "../lib/yclients/index.js";
import { createServices } from "../functions/services.js";

export interface SyncBenchOptions {
  clients?: number;
  records?: number;
  latencyMs?: number;
}

export interface SyncBenchResult {
  clients: number;
  records: number;
  latencyMs: number;
  requests: number;
  rateLimited: number;
  seconds: number;
  floorSeconds: number;
  ratio: number;
  clientsStored: number;
  recordsStored: number;
  status: string;
}

export async function benchSync(opts: SyncBenchOptions = {}): Promise<SyncBenchResult> {
  const clients = opts.clients ?? 10_000;
  const records = opts.records ?? 2_000;
  const latencyMs = opts.latencyMs ?? 50;
  const salonId = 424_242;
  const log = createLogger("silent");
  const config = loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), "ai-admin-bench-")), LOG_LEVEL: "silent" });
  const database = await connectDatabase({ kind: "memory" });
  const sandbox = await startSandboxProcess({
    SANDBOX_PARTNER_TOKEN: "bench", SANDBOX_APPLICATION_ID: "1", SANDBOX_LATENCY_MS: String(latencyMs), SANDBOX_RATE_LIMIT: "5/200",
    SANDBOX_SALON: JSON.stringify({ clients, records, recordDays: { from: 0, to: 59 }, deletedShare: 0 }),
  });
  try {
    if (config.dispatch.kind !== "local") throw new Error("the bench runs on the local dispatcher");
    const dispatcher = new LocalDispatcher({
      db: database.db, clock: systemClock, log, publicUrl: config.publicUrl, signingKey: config.dispatch.currentSigningKey,
      deliver: async () => new Response(null, { status: 200 }),
    });
    // A fresh limiter, exactly YClients' limits: the one a process shares, without whatever else ran before.
    const yclients = createYClientsClient({
      baseUrl: sandbox.url, partnerToken: "bench", applicationId: 1,
      limiter: new RateLimiter(process.env.BENCH_MARGIN_MS ? { marginMs: Number(process.env.BENCH_MARGIN_MS) } : {}),
    });
    const services = createServices(config, database.db, log, { dispatcher, yclients });
    await database.pg!.query("insert into salons (salon_id, status, timezone) values ($1, 'active', 'Europe/Moscow')", [salonId]);
    const mine: number[] = [];
    yclients.observe((call) => mine.push(call.status));

    const started = performance.now();
    const outcome = await syncSalon(services, salonId);
    const seconds = (performance.now() - started) / 1000;
    const count = async (table: string) =>
      Number((await database.pg!.query<{ n: number }>(`select count(*)::int as n from ${table} where salon_id = $1`, [salonId])).rows[0]!.n);
    // The floor counts the requests the sync needs (answered ones); a 429 and its retry are part of the cost.
    const needed = mine.filter((status) => status !== 429).length;
    const floorSeconds = needed / 5;
    return {
      clients, records, latencyMs,
      requests: mine.length,
      rateLimited: mine.filter((status) => status === 429).length,
      seconds,
      floorSeconds,
      ratio: seconds / floorSeconds,
      clientsStored: await count("clients"),
      recordsStored: await count("records"),
      status: outcome.errors.length ? `${outcome.status}: ${outcome.errors.map((e) => e.message).join("; ")}` : outcome.status,
    };
  } finally {
    sandbox.stop();
    await database.close();
  }
}

async function startSandboxProcess(env: Record<string, string>): Promise<{ url: string; stop(): void }> {
  const script = fileURLToPath(new URL("../fakes/yclients/serve.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`sandbox exited with ${code}`)));
  });
  const { url } = JSON.parse(line) as { url: string };
  return { url, stop: () => void child.kill("SIGTERM") };
}

function table(r: SyncBenchResult): string {
  const rows: Array<[string, string]> = [
    ["salon", `${r.clients} clients, ${r.records} records, ${r.latencyMs} ms latency, limit 5 rps / 200 rpm`],
    ["requests", String(r.requests)],
    ["429 answers", String(r.rateLimited)],
    ["time", `${r.seconds.toFixed(2)} s`],
    ["floor (needed requests ÷ 5/s)", `${r.floorSeconds.toFixed(2)} s`],
    ["ratio to floor", `${r.ratio.toFixed(2)}× (target ≤ 1.20×: ${r.ratio <= 1.2 ? "met" : "missed"})`],
    ["stored", `${r.clientsStored} clients, ${r.recordsStored} records`],
    ["run", r.status],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `| ${k.padEnd(w)} | ${v} |`).join("\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await benchSync({
    clients: Number(process.env.BENCH_CLIENTS ?? 10_000),
    records: Number(process.env.BENCH_RECORDS ?? 2_000),
    latencyMs: Number(process.env.BENCH_LATENCY_MS ?? 50),
  });
  console.log(table(result));
  // Over the target is reported, not a failure: shared machines vary; a sync that failed is one.
  process.exit(result.status === "ok" ? 0 : 1);
}
