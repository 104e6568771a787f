/**
 * `npx tsx bench/chat-panel.ts`: the chat panel for a big salon, through the real route (panel token, PostgREST
 * adapter, JSON) on the embedded Postgres: BENCH_CHATS (5,000) chats with BENCH_MESSAGES (200,000) messages.
 * Target (issue 16): the list opens in under 300 ms. Also the 2-second poll's own cost (`latest`), which with the
 * poll interval bounds how fast a client's message appears in an open panel.
 */
import { ManualClock } from "../lib/clock.js";
import { signPanelToken } from "../lib/chat-panel/session.js";
import { createTestFunctions, openTestDatabase, testConfig } from "../test/support/harness.js";

const CHATS = Number(process.env.BENCH_CHATS ?? 5000);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 200_000);
const RUNS = 30;
const SALON = 777001;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

const database = await openTestDatabase();
const clock = new ManualClock("2026-11-30T12:00:00Z");
const fx = createTestFunctions(database, { config: testConfig({ JWT_SECRET: "bench-chat-panel-secret-0123456789" }), clock });
const sql = database.sql;

const t0 = performance.now();
await sql.query(`insert into salons (salon_id, title, status) values (${SALON}, 'Bench', 'active')`);
await sql.query(`insert into conversations (salon_id, phone, push_name, last_inbound_at, last_outbound_at, paused_until, paused_reason)
  select ${SALON}, (79000000000 + g)::text, 'Клиент ' || g,
         timestamptz '2026-11-30 12:00' - make_interval(mins => g * 7),
         timestamptz '2026-11-30 12:00' - make_interval(mins => g * 7 - 1),
         case when g % 10 = 0 then timestamptz '2026-11-30 14:00' end, case when g % 10 = 0 then 'handover' end
  from generate_series(1, ${CHATS}) g`);
await sql.query(`insert into messages (salon_id, phone, direction, wa_message_id, kind, text, data, created_at)
  select ${SALON}, (79000000000 + 1 + (g % ${CHATS}))::text, (array['in','out','admin'])[1 + g % 3], 'B' || g,
         case when g % 17 = 0 then 'image' else 'text' end, 'Сообщение номер ' || g,
         case when g % 3 = 1 then jsonb_build_object('key', 'bench-' || g) end,
         timestamptz '2026-11-30 12:00' - make_interval(secs => (${MESSAGES} - g))
  from generate_series(1, ${MESSAGES}) g`);
// Every bot reply answers a turn (the history looks up what each turn did in YClients); every 5th one booked.
await sql.query(`insert into assistant_turns (salon_id, phone, status, tool_calls, replies, from_message_id, through_message_id, created_at)
  select ${SALON}, (79000000000 + 1 + (g % ${CHATS}))::text, 'answered',
         case when g % 5 = 0 then jsonb_build_array(jsonb_build_object('name', 'create_booking', 'args', '{}'::jsonb, 'ok', true, 'ms', 1,
           'result', jsonb_build_object('record_id', g, 'service', 'Стрижка', 'date', '2026-12-01', 'time', '12:00'))) else '[]'::jsonb end,
         jsonb_build_array(jsonb_build_object('to', 'x', 'text', 'y', 'key', 'bench-' || g)), g - 1, g,
         timestamptz '2026-11-30 12:00' - make_interval(secs => (${MESSAGES} - g))
  from generate_series(1, ${MESSAGES}) g where g % 3 = 1`);
await sql.query("analyze conversations");
await sql.query("analyze messages");
await sql.query("analyze assistant_turns");
const seedMs = performance.now() - t0;

const { token } = await signPanelToken(fx.services.config.jwtSecret, clock, { salonId: SALON, userId: 1 });
const get = async (path: string) => {
  const t = performance.now();
  const res = await fx.app.request(`/chat-panel/api/${path}`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
  const body = (await res.json()) as { chats?: Array<{ last_at: string; phone: string }> };
  return { ms: performance.now() - t, body };
};

async function measure(name: string, path: () => string): Promise<[string, string]> {
  await get(path());
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push((await get(path())).ms);
  return [name, `p50 ${pct(times, 50).toFixed(1)} ms, p95 ${pct(times, 95).toFixed(1)} ms`];
}

// A cursor deep in the list: the 100th page.
let cursor = "";
for (let page = 0; page < 100; page++) {
  const chats = (await get(`conversations${cursor}`)).body.chats!;
  const tail = chats.at(-1)!;
  cursor = `?before_at=${encodeURIComponent(tail.last_at)}&before_phone=${tail.phone}`;
}
const rows: Array<[string, string]> = [
  ["seed", `${CHATS} chats, ${MESSAGES} messages in ${(seedMs / 1000).toFixed(1)} s`],
  await measure("list, first page (30 chats)", () => "conversations"),
  await measure("list, page 100", () => `conversations${cursor}`),
  await measure("one chat's history (50 newest)", () => "messages?phone=79000000001"),
  await measure("poll: latest message id", () => "latest"),
];
const w = Math.max(...rows.map((r) => r[0].length));
for (const [k, v] of rows) console.log(`| ${k.padEnd(w)} | ${v} |`);
await database.close();
process.exit(0);
