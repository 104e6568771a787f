/**
 * Gateway benchmark: `npx tsx --expose-gc bench/gateway.ts` (GC flag optional; it makes the memory figures steadier).
 * - memory of one gateway holding N emulated sessions (N = BENCH_SESSIONS, default 200), by RSS and heap delta;
 * - how long pairing N sessions and restoring them after a restart (in waves) take;
 * - inbound throughput: messages/s from the emulator transport through the session manager to the dispatcher
 *   (the local dispatcher's publish: one INSERT into the embedded Postgres each), direct and over the control API.
 * The emulator holds no Signal state, so its per-session memory is the gateway's own overhead; a real Baileys
 * session adds ~50–80 MB RSS (practice notes §5).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { systemClock } from "../lib/clock.js";
import { loadConfig } from "../lib/config/index.js";
import { connectDatabase } from "../lib/db/client.js";
import { LocalDispatcher } from "../lib/dispatch/local.js";
import { signServiceToken } from "../lib/contract/service-token.js";
import { createLogger } from "../lib/log.js";
import type { GatewayOptions } from "../whatsapp-gateway/config.js";
import { startGateway, type RunningGateway } from "../whatsapp-gateway/server.js";

const mb = (n: number) => (n / 1024 / 1024).toFixed(1);

function settle(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

export async function runGatewayBench(opts: { sessions?: number; messages?: number } = {}): Promise<Array<[string, string]>> {
  const sessions = opts.sessions ?? Number(process.env.BENCH_SESSIONS ?? 200);
  const messages = opts.messages ?? Number(process.env.BENCH_MESSAGES ?? 4000);
  const log = createLogger("silent");
  const config = loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), "ai-admin-bench-")), WHATSAPP_TRANSPORT: "emulator" });
  if (config.dispatch.kind !== "local") throw new Error("the bench runs on the local dispatcher");
  const database = await connectDatabase({ kind: "memory" });
  const dispatcher = new LocalDispatcher({
    db: database.db, clock: systemClock, log, publicUrl: config.publicUrl, signingKey: config.dispatch.currentSigningKey,
    deliver: async () => new Response("ok"),
  });
  const options: Partial<GatewayOptions> = { sendGapMs: [0, 0], restoreJitterMs: [0, 0], restoreConcurrency: 5, leaseRenewMs: 3_600_000 };
  const start = () => startGateway({ config, db: database.db, dispatcher, log, port: 0, options });
  const rows: Array<[string, string]> = [];

  let gw: RunningGateway = await start();
  await gw.restored;
  settle();
  const base = process.memoryUsage();

  const ids = Array.from({ length: sessions }, (_, i) => 900_000 + i);
  let t = performance.now();
  await pool(ids, 20, async (id) => {
    await gw.sessions.start(id);
    await gw.emulator!.session(id)!.scan(`7900${String(id).padStart(7, "0")}`);
    await gw.sessions.waitForState(id, ["connected"], 30_000);
  });
  const pairMs = performance.now() - t;
  settle();
  const held = process.memoryUsage();
  rows.push(["sessions connected", String(gw.sessions.counts().connected ?? 0)]);
  rows.push(["pair all (emulated, 20 at a time)", `${(pairMs / 1000).toFixed(2)} s`]);
  // RSS includes the embedded Postgres (WASM), whose memory moves with its own caches: read the heap figure.
  rows.push(["process RSS before → with sessions (incl. PGlite)", `${mb(base.rss)} → ${mb(held.rss)} MB`]);
  rows.push(["JS heap before → with sessions", `${mb(base.heapUsed)} → ${mb(held.heapUsed)} MB`]);
  rows.push(["gateway heap per emulated session", `${((held.heapUsed - base.heapUsed) / sessions / 1024).toFixed(1)} KB`]);

  // Inbound, transport → manager → dispatcher (one enqueue per message).
  t = performance.now();
  let seq = 0;
  await pool(Array.from({ length: messages }, (_, i) => i), 32, async (i) => {
    const id = ids[i % ids.length]!;
    await gw.emulator!.session(id)!.inbound({ from: `7916${String(i).padStart(7, "0")}`, text: "Хочу записаться", id: `BENCH${++seq}` });
  });
  const directRate = messages / ((performance.now() - t) / 1000);
  rows.push([`inbound → dispatcher, ${messages} msgs`, `${directRate.toFixed(0)} msg/s`]);

  // The same over the emulator's HTTP control route (what end-to-end tests pay per message).
  const httpMessages = Math.min(1000, messages);
  const token = await signServiceToken(config.gatewaySecret);
  t = performance.now();
  await pool(Array.from({ length: httpMessages }, (_, i) => i), 16, async (i) => {
    const id = ids[i % ids.length]!;
    const res = await fetch(`${gw.url}/emulator/sessions/${id}/inbound`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ from: "79160000000", text: "Цены?", id: `BENCHHTTP${i}` }),
    });
    if (!res.ok) throw new Error(`inbound answered ${res.status}`);
    await res.text();
  });
  const httpRate = httpMessages / ((performance.now() - t) / 1000);
  rows.push([`inbound over HTTP control API, ${httpMessages} msgs`, `${httpRate.toFixed(0)} msg/s`]);
  const { rows: queued } = await database.pg!.query<{ n: number }>("select count(*)::int as n from local_dispatch");
  rows.push(["events queued (expected " + (messages + httpMessages + sessions) + ")", String(queued[0]!.n)]);

  // Restart: every paired session comes back in waves of 5.
  await gw.close();
  t = performance.now();
  gw = await start();
  const restored = await gw.restored;
  rows.push([`restore after restart (${restored} sessions, 5 at a time)`, `${((performance.now() - t) / 1000).toFixed(2)} s`]);
  await gw.close();
  await database.close();
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const rows = await runGatewayBench();
  const w = Math.max(...rows.map(([k]) => k.length));
  console.log("\nWhatsApp gateway (emulator transport, embedded Postgres)\n");
  for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}  ${v}`);
  console.log("");
}
