/**
 * `npx tsx bench/cabinet.ts`: the cabinet's pages and API for a salon with BENCH_NOTIFICATIONS (default 100,000)
 * notifications and as many messages, on the embedded Postgres: p50/p95 per route over BENCH_REQUESTS requests.
 * Target (issue 17): p95 < 200 ms.
 */
import type { TestDatabase } from "../test/support/harness.js";
import { cabinetConfig, openCabinetWorld, signIn } from "../test/cabinet/support.js";

const N = Number(process.env.BENCH_NOTIFICATIONS ?? 100_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 40);
const SALON = 770_001;

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

const w = await openCabinetWorld("2026-11-23T09:00:00Z");
await w.activeSalon(SALON);
const sql = (w.db as TestDatabase).sql;
const t0 = performance.now();
await sql.query(`
  insert into notifications (salon_id, record_id, kind, occasion, phone, status, due_at, sent_at, created_at, updated_at)
  select ${SALON}, g, (array['booking_created','reminder_day_before','reminder_hours_before'])[1 + g % 3], 'o',
         '7900' || lpad(g::text, 7, '0'), (array['sent','sent','skipped','failed'])[1 + g % 4],
         t, t, t, t
  from generate_series(1, ${N}) g, lateral (select timestamptz '2026-11-23 09:00Z' - make_interval(secs => g * 26) as t) x`);
await sql.query(`
  insert into messages (salon_id, phone, direction, text, created_at)
  select ${SALON}, '7900' || lpad((g % 5000)::text, 7, '0'), (array['in','out'])[1 + g % 2], 'текст',
         timestamptz '2026-11-23 09:00Z' - make_interval(secs => g * 26)
  from generate_series(1, ${N}) g`);
await sql.query("analyze");
const setupMs = performance.now() - t0;

const { cookie } = await signIn(w, [SALON]);
await cabinetConfig(w, SALON, cookie);
const routes = ["/cabinet/" + SALON, ...["overview", "settings", "texts", "results"].map((p) => `/cabinet/api/${SALON}/${p}`)];
console.log(`salon with ${N.toLocaleString("en")} notifications and ${N.toLocaleString("en")} messages (setup ${(setupMs / 1000).toFixed(1)} s), ${REQUESTS} requests per route\n`);
console.log("| route | p50 ms | p95 ms |");
console.log("| --- | --- | --- |");
for (const route of routes) {
  const times: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const t = performance.now();
    const res = await w.app.request(route, { headers: { cookie } });
    await res.text();
    if (res.status !== 200) throw new Error(`${route} answered ${res.status}`);
    times.push(performance.now() - t);
  }
  console.log(`| ${route.replace(String(SALON), ":id")} | ${pct(times, 50).toFixed(1)} | ${pct(times, 95).toFixed(1)} |`);
}
await w.close();
