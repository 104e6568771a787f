/**
 * `npx tsx bench/notifications.ts`: the booking monitor at scale.
 *
 * 1. Poll tick for BENCH_SALONS (default 1,000) active salons against the YClients sandbox (rate limit off, so our
 *    own cost shows): requests per tick, wall time, our time per salon, and what YClients' 200 requests/minute per
 *    IP makes of it: whether a minute is enough, and how often the budgeted cron (POLL_BUDGET_PER_MINUTE) polls each
 *    salon instead.
 * 2. Latency from record creation to the WhatsApp send when the webhook arrives, on the real clock, with the local
 *    dispatcher and the sandbox at 40 ms per request; the confirmation delay is shortened to BENCH_DELAY_SEC (2 s)
 *    and reported separately. Target (design): delay + 5 s.
 */
import { systemClock } from "../lib/clock.js";
import { LocalDispatcher } from "../lib/dispatch/local.js";
import { createYClientsClient, RateLimiter } from "../lib/yclients/index.js";
import { createYClientsSandbox } from "../fakes/yclients/index.js";
import { BOOKING_POLL } from "../lib/jobs/catalogue.js";
import { beginActivation, finishActivation, registerSalon } from "../lib/salons/store.js";
import { createApp } from "../functions/app.js";
import { createServices } from "../functions/services.js";
import { POLL_BUDGET_PER_MINUTE, run as runBookingPoll } from "../functions/crons/booking-poll.js";
import { openTestDatabase, silentLog, testConfig } from "../test/support/harness.js";
import { openWorld, RecordingGateway } from "../test/bookings/world.js";

const SALONS = Number(process.env.BENCH_SALONS ?? 1000);
const CHANGED_SHARE = 0.05;
const DELAY_SEC = Number(process.env.BENCH_DELAY_SEC ?? 2);
const BOOKINGS = Number(process.env.BENCH_BOOKINGS ?? 20);
const YC_PER_MINUTE = 200;

function table(rows: Array<[string, string]>): void {
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`| ${k.padEnd(w)} | ${v} |`);
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

async function pollTick(): Promise<void> {
  const w = await openWorld("2026-11-23T09:00:00Z");
  const ids: number[] = [];
  const setupStart = performance.now();
  for (let i = 0; i < SALONS; i++) {
    const id = 500_000 + i;
    ids.push(id);
    await w.activeSalon(id);
  }
  const setupMs = performance.now() - setupStart;
  let changed = 0;
  for (const id of ids) {
    if (Math.random() < CHANGED_SHARE) {
      w.sandbox.addRecord(id, { datetime: "2026-11-25 12:00:00", clientPhone: `+7915${String(id).slice(-7)}` });
      changed++;
    }
  }

  const tick = async (label: string) => {
    const before = w.sandbox.requests.length;
    const t0 = performance.now();
    await Promise.all(ids.map((id) =>
      w.services.dispatcher.publish({ path: BOOKING_POLL.path, body: { salonId: id }, deduplicationId: `bench:${label}:${id}` })));
    await w.dispatcher.drain(1000);
    const ms = performance.now() - t0;
    return { requests: w.sandbox.requests.length - before, ms };
  };
  const first = await tick("first");
  w.clock.advance(60_000);
  const steady = await tick("steady");
  const budgeted = (await runBookingPoll(w.services)) as { salons: number; polled: number; everyMinutes: number };
  await w.close();

  const floorMin = (r: number) => r / YC_PER_MINUTE;
  console.log(`Poll tick, ${SALONS} active salons (${changed} with a new booking), sandbox without rate limit or latency:\n`);
  table([
    ["metric", "value"],
    ["setup (register + activate salons)", `${(setupMs / 1000).toFixed(1)} s`],
    ["first tick: requests", String(first.requests)],
    ["first tick: wall time (our code + DB)", `${(first.ms / 1000).toFixed(1)} s (${(first.ms / SALONS).toFixed(1)} ms/salon)`],
    ["steady tick: requests", String(steady.requests)],
    ["steady tick: wall time (our code + DB)", `${(steady.ms / 1000).toFixed(1)} s (${(steady.ms / SALONS).toFixed(1)} ms/salon)`],
    ["YClients floor at 200 req/min per IP", `${floorMin(steady.requests).toFixed(1)} min per full tick`],
    ["a minute enough for every salon?", floorMin(steady.requests) <= 1 && steady.ms <= 60_000 ? "yes" : "no"],
    [`budgeted cron (${POLL_BUDGET_PER_MINUTE} polls/min)`, `${budgeted.polled} salons per minute, each every ${budgeted.everyMinutes} min`],
  ]);
}

async function webhookLatency(): Promise<void> {
  const db = await openTestDatabase();
  const sandbox = createYClientsSandbox({ rateLimit: false, latencyMs: 40 });
  const config = testConfig({ BOOKING_CONFIRMATION_DELAY_SECONDS: String(DELAY_SEC) });
  if (config.dispatch.kind !== "local") throw new Error("bench runs on the local dispatcher");
  const sentAt = new Map<string, number>();
  const gateway = new RecordingGateway();
  const send = gateway.sendText.bind(gateway);
  gateway.sendText = async (salonId, msg) => {
    sentAt.set(msg.to, performance.now());
    return send(salonId, msg);
  };
  const yclients = createYClientsClient({
    baseUrl: "http://yclients.sandbox", partnerToken: sandbox.partnerToken, applicationId: sandbox.applicationId,
    limiter: new RateLimiter({ perSecond: 5, perMinute: 200 }),
    fetch: (input, init) => Promise.resolve(sandbox.app.request(String(input), init)),
  });
  let app: ReturnType<typeof createApp> | undefined;
  const dispatcher = new LocalDispatcher({
    db: db.db, clock: systemClock, log: silentLog, publicUrl: config.publicUrl, signingKey: config.dispatch.currentSigningKey,
    deliver: (url, init) => Promise.resolve(app!.request(url, init)),
  });
  const services = createServices(config, db.db, silentLog, { dispatcher, gateway, yclients });
  app = createApp(services);
  const salonId = 900_001;
  sandbox.salon(salonId, { records: 3, clients: 10 });
  await registerSalon(db.db, systemClock, { salonId, title: "Bench", address: "ул. Бенч, 1", phone: null, timezone: "Europe/Moscow", company: null, marketplaceUser: null, eventData: {} });
  await beginActivation(db.db, systemClock, { salonId, apiKey: "k", webhookSecret: "bench-secret", whatsappPhone: "79990000000", windowSec: 3600, leaseSec: 60 });
  await finishActivation(db.db, systemClock, salonId, { ok: true });
  dispatcher.start();

  const createdAt = new Map<string, number>();
  const webhookMs: number[] = [];
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  for (let i = 0; i < BOOKINGS; i++) {
    const phone = `7916${String(1_000_000 + i)}`;
    const rec = sandbox.addRecord(salonId, { datetime: `${tomorrow} ${String(9 + (i % 10)).padStart(2, "0")}:${i < 10 ? "00" : "30"}:00`, clientPhone: `+${phone}` });
    createdAt.set(phone, performance.now());
    const t0 = performance.now();
    const res = await app.request("/webhook/yclients/entity/bench-secret", {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ company_id: salonId, resource: "record", resource_id: rec.id, status: "create", data: rec }),
    });
    webhookMs.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const deadline = Date.now() + (DELAY_SEC + 30) * 1000;
  while (sentAt.size < BOOKINGS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await dispatcher.stop();
  await db.close();

  const over = [...createdAt].filter(([p]) => sentAt.has(p)).map(([p, t]) => (sentAt.get(p)! - t) / 1000 - DELAY_SEC);
  console.log(`\nCreation → WhatsApp send with a webhook, ${BOOKINGS} bookings, delay ${DELAY_SEC} s, sandbox 40 ms/request:\n`);
  table([
    ["metric", "value"],
    ["confirmations sent", `${sentAt.size} of ${BOOKINGS} (messages: ${gateway.sent.length})`],
    ["webhook answer p50 / p99", `${pct(webhookMs, 50).toFixed(1)} ms / ${pct(webhookMs, 99).toFixed(1)} ms`],
    ["latency beyond the delay p50", `${pct(over, 50).toFixed(2)} s`],
    ["latency beyond the delay p95 / max", `${pct(over, 95).toFixed(2)} s / ${Math.max(...over).toFixed(2)} s`],
    ["within delay + 5 s?", over.length === BOOKINGS && Math.max(...over) <= 5 ? "yes" : "no"],
    ["without a webhook (poll)", `≤ poll interval (1 min up to ${POLL_BUDGET_PER_MINUTE} salons) + delay + the same`],
  ]);
}

await pollTick();
await webhookLatency();
