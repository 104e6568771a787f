/**
 * `npx tsx bench/answer-time.ts`: how long a client waits for the bot (issue 19), on the whole local stack in this
 * process (embedded Postgres, local dispatcher, WhatsApp emulator, YClients sandbox) with the Gemini fake answering
 * in 1 s per call, as a hosted model does. Client-perceived time runs from the message entering the gateway
 * (the emulator's inbound) to the reply in the emulator's outbox; "own" is that minus the turn's model time.
 * Scenarios: a price question (no tool), a booking (slots, book), and a burst of three messages 300 ms apart
 * (timed from the last). Target: own ≤ 1.5 s at p50; a booking in 2 model calls.
 */
import { startGeminiFake, lastFunctionResponses, type GeminiRequest, type ScriptEntry } from "../fakes/gemini/server.js";
import { listTurns } from "../lib/assistant/store.js";
import { ManualClock, systemClock } from "../lib/clock.js";
import { signServiceToken } from "../lib/contract/service-token.js";
import { createLogger } from "../lib/log.js";
import { startStack } from "../local/stack.js";
import { createSalon, newPhone, type World } from "../test/assistant/support.js";
import { freePort, testConfig } from "../test/support/harness.js";

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 7);
const MODEL_MS = 1000;
const DAYS = ["2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04", "2026-12-05", "2026-12-07", "2026-12-08"];

type Fn = { name: string; response: Record<string, any> };
const responses = (req: GeminiRequest): Fn[] => lastFunctionResponses(req) as Fn[];

const gemini = await startGeminiFake({ latencyMs: MODEL_MS });
const [port, gatewayPort, dbPort] = await Promise.all([freePort(), freePort(), freePort()]);
const config = testConfig({
  WHATSAPP_TRANSPORT: "emulator", PORT: String(port), GATEWAY_PORT: String(gatewayPort), LOCAL_DB_PORT: String(dbPort),
  GEMINI_API_KEY: "bench", GEMINI_BASE_URL: gemini.url,
});
const stack = await startStack(config, createLogger("silent"), { servePsql: false, runCrons: false });
const sandbox = stack.yclientsSandbox!;
const world = { db: stack.database, clock: systemClock as unknown as ManualClock, sandbox } as unknown as World;

async function gw(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(stack.urls.gateway + path, {
    method,
    headers: { authorization: `Bearer ${await signServiceToken(stack.config.gatewaySecret)}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.json();
}

const salon = await createSalon(world);
await gw("POST", `/emulator/sessions/${salon.salonId}/scan`, { phone: salon.salonPhone });
const svc = salon.data.services.find((s) => s.title === "Мужская стрижка")!;
const staffIds = svc.staff.map((s) => s.id).filter((id) => salon.data.staff.find((st) => st.id === id)?.is_bookable);

async function repliedTo(phone: string): Promise<number> {
  for (;;) {
    const { messages } = (await gw("GET", `/emulator/sessions/${salon.salonId}/outbox`)) as { messages: Array<{ to: string }> };
    if (messages.some((m) => m.to.startsWith(phone))) return performance.now();
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Scenario {
  name: string;
  script(i: number): Promise<ScriptEntry[]>;
  messages: string[];
}

const SCENARIOS: Scenario[] = [
  { name: "price question", messages: ["Сколько стоит мужская стрижка?"], script: async () => [{ text: "Мужская стрижка — 1500 ₽." }] },
  {
    name: "booking",
    messages: ["запишите на стрижку, я Пётр"],
    async script(i) {
      const staffId = staffIds[i % staffIds.length]!;
      const date = DAYS[i % DAYS.length]!;
      return [
        { calls: [{ name: "find_free_slots", args: { service_id: svc.id, staff_id: staffId, date } }] },
        (req) => {
          const opt = responses(req)[0]!.response.options?.[0];
          return opt
            ? { calls: [{ name: "create_booking", args: { service_id: svc.id, staff_id: staffId, date, time: opt.times[0], client_name: "Пётр" } }] }
            : { text: "На этот день мест нет." };
        },
      ];
    },
  },
  { name: "burst of three", messages: ["здравствуйте", "хочу записаться", "на маникюр"], script: async () => [{ text: "Когда вам удобно?" }] },
];

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const s = (ms: number) => (ms / 1000).toFixed(2);
const rows: string[][] = [];
try {
  for (const sc of SCENARIOS) {
    const total: number[] = [];
    const own: number[] = [];
    const calls: number[] = [];
    for (let i = 0; i < ITERATIONS + 1; i++) {
      const phone = newPhone();
      gemini.script(await sc.script(i));
      let t0 = 0;
      for (const [k, text] of sc.messages.entries()) {
        if (k > 0) await new Promise((r) => setTimeout(r, 300));
        t0 = performance.now();
        await gw("POST", `/emulator/sessions/${salon.salonId}/inbound`, { from: phone, text, pushName: "Пётр" });
      }
      const t1 = await repliedTo(phone);
      const turn = (await listTurns(stack.database.db, salon.salonId, phone)).at(-1)!;
      if (i === 0) continue; // warm-up
      total.push(t1 - t0);
      own.push(t1 - t0 - turn.model_ms);
      calls.push(turn.model_calls);
    }
    rows.push([sc.name, String(Math.max(...calls)), `${s(pct(total, 50))} / ${s(pct(total, 95))}`, `${s(pct(own, 50))} / ${s(pct(own, 95))}`]);
  }
} finally {
  await stack.stop();
  await gemini.close();
}
const head = ["scenario", "model calls", "total s p50/p95", "own s p50/p95"];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
console.log(`answer time: ${ITERATIONS} runs per scenario; Gemini fake ${MODEL_MS} ms/call; quiet window 1 s, no typing signal`);
console.log(line(head));
console.log(line(widths.map((n) => "-".repeat(n))));
for (const r of rows) console.log(line(r));
console.log("target: own ≤ 1.5 s at p50");
process.exit(0);
