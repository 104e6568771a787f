/**
 * `npx tsx bench/channel.ts`: the operator endpoint (url_operator) under YClients' traffic. The functions app is
 * served over real HTTP on the local stack's pieces (embedded Postgres, local dispatcher delivering jobs the whole
 * time, recording gateway, YClients sandbox taking the status callbacks). Requests arrive open-loop at BENCH_RPS
 * (default 50) for BENCH_SEC (default 20) seconds, one message each; then the jobs are drained and every message
 * is checked: sent once, and status 8 posted once. Target (issue 18): p99 < 100 ms, no loss.
 */
import { serve } from "@hono/node-server";
import { openWorld } from "../test/bookings/world.js";
import { nextSalonId } from "../test/support/harness.js";

const RPS = Number(process.env.BENCH_RPS ?? 50);
const SEC = Number(process.env.BENCH_SEC ?? 20);

const w = await openWorld("2026-11-23T09:00:00Z", { YCLIENTS_BASE_URL: "http://yclients.sandbox" });
const salonId = nextSalonId();
await w.activeSalon(salonId);
const server = serve({ fetch: w.app.fetch, port: 0, hostname: "127.0.0.1" });
await new Promise((r) => server.once("listening", r));
const addr = server.address();
const url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}/channel/yclients/operator`;

// The dispatcher delivers as it does under `npm start`: sends and status posts compete with the endpoint.
if (process.env.BENCH_DELIVER !== "off") w.dispatcher.start();

const total = RPS * SEC;
const latencies: number[] = [];
let errors = 0;
const inflight: Array<Promise<void>> = [];
const started = performance.now();
for (let i = 0; i < total; i++) {
  const due = started + (i * 1000) / RPS;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const body = w.sandbox.channel.request(`b${i}`, `7912${String(1_000_000 + i).slice(1)}`, `Напоминание ${i}`);
  inflight.push((async () => {
    const t = performance.now();
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer key-${salonId}` },
        body: JSON.stringify(body),
      });
      const answer = (await res.json()) as Array<{ ext_id?: string }>;
      if (res.status !== 200 || !answer[0]?.ext_id) errors++;
    } catch {
      errors++;
    }
    latencies.push(performance.now() - t);
  })());
}
await Promise.all(inflight);
const loadSec = (performance.now() - started) / 1000;
await w.dispatcher.stop();
await w.dispatcher.drain(10_000);

latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1);
const sentIds = new Set(w.gateway.sent.map((m) => m.idempotencyKey));
const passed = w.sandbox.channel.statusCallbacks.filter((s) => s.status === 8);
console.log("| requests | rate (req/s) | p50 ms | p99 ms | max ms | errors | sent (unique / total) | status 8 posted |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
console.log(`| ${total} | ${(total / loadSec).toFixed(1)} | ${pct(50)} | ${pct(99)} | ${latencies.at(-1)!.toFixed(1)} | ${errors} | ${sentIds.size} / ${w.gateway.sent.length} | ${new Set(passed.map((s) => s.id)).size} / ${passed.length} |`);
server.close();
await w.close();
process.exit(errors === 0 && sentIds.size === total && w.gateway.sent.length === total ? 0 : 1);
