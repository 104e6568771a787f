/**
 * `npx tsx bench/assistant.ts`: the assistant's own time per message, with the model and YClients faked at fixed
 * latency (Gemini fake 80 ms per call, YClients sandbox 40 ms per request), and the model round trips each scenario
 * costs. "own" is the turn's wall time minus time waiting on the model, YClients and the gateway: our code plus our
 * database calls (embedded Postgres here). Target: under 50 ms at p95; one model call for a question with no tool.
 */
import { lastFunctionResponses, type GeminiRequest, type ScriptEntry } from "../fakes/gemini/server.js";
import { listTurns, type TurnRow } from "../lib/assistant/store.js";
import { addSyncedRecord, clientWrites, createSalon, newPhone, openWorld, settle, type TestSalon, type World } from "../test/assistant/support.js";

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 15);
const MODEL_LATENCY_MS = 80;
const YCLIENTS_LATENCY_MS = 40;

type Fn = { name: string; response: Record<string, any> };
const responses = (req: GeminiRequest): Fn[] => lastFunctionResponses(req) as Fn[];

interface Scenario {
  name: string;
  /** Prepares one iteration; returns the client's phone, the message and the model's script. */
  setup(w: World, salon: TestSalon, i: number): Promise<{ phone: string; text: string; script: ScriptEntry[] }>;
}

const DAYS = ["2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28", "2026-11-30"];

function haircut(salon: TestSalon) {
  const svc = salon.data.services.find((s) => s.title === "Мужская стрижка")!;
  const staffIds = svc.staff.map((s) => s.id).filter((id) => salon.data.staff.find((st) => st.id === id)?.is_bookable);
  return { svc, staffIds };
}

async function freeSlot(w: World, salon: TestSalon, i: number): Promise<{ staffId: number; date: string; time: string }> {
  const { svc, staffIds } = haircut(salon);
  for (let k = 0; k < DAYS.length * staffIds.length; k++) {
    const date = DAYS[(i + k) % DAYS.length]!;
    const staffId = staffIds[(i + k) % staffIds.length]!;
    const times = await w.fn.services.yclients.bookTimes(salon.salonId, staffId, date, { serviceIds: [svc.id] });
    if (times.length > 0) return { staffId, date, time: times[0]!.time };
  }
  throw new Error("the sandbox salon is fully booked");
}

const SCENARIOS: Scenario[] = [
  {
    name: "price question, no tool",
    async setup() {
      return { phone: newPhone(), text: "Сколько стоит мужская стрижка?", script: [{ text: "Мужская стрижка — 1500 ₽." }] };
    },
  },
  {
    name: "prices through list_services",
    async setup() {
      return {
        phone: newPhone(),
        text: "а маникюр почем?",
        script: [
          { calls: [{ name: "list_services", args: { query: "маникюр" } }] },
          (req) => ({ text: `Маникюр: ${responses(req)[0]!.response.services.map((s: any) => `${s.title} ${s.price}`).join(", ")}` }),
        ],
      };
    },
  },
  {
    name: "booking: slots, book (confirmation ours)",
    async setup(w, salon, i) {
      const { svc } = haircut(salon);
      const slot = await freeSlot(w, salon, i);
      return {
        phone: salon.known.phone,
        text: "запишите на стрижку",
        script: [
          { calls: [{ name: "find_free_slots", args: { service_id: svc.id, staff_id: slot.staffId, date: slot.date } }] },
          (req) => {
            const t = responses(req)[0]!.response.options[0].times[0];
            return { calls: [{ name: "create_booking", args: { service_id: svc.id, staff_id: slot.staffId, date: slot.date, time: t } }] };
          },
        ],
      };
    },
  },
  {
    name: "cancel: visits, cancel (confirmation ours)",
    async setup(w, salon, i) {
      const { svc } = haircut(salon);
      const phone = newPhone();
      const slot = await freeSlot(w, salon, i + 3);
      const rec = await addSyncedRecord(w, salon, { phone, name: "Гость", staffId: slot.staffId, serviceId: svc.id, datetime: `${slot.date} ${slot.time}:00` });
      return {
        phone,
        text: "отмените запись",
        script: [
          { calls: [{ name: "my_visits", args: {} }] },
          { calls: [{ name: "cancel_visit", args: { record_id: rec.id } }] },
        ],
      };
    },
  },
  {
    name: "handover on request",
    async setup() {
      return {
        phone: newPhone(),
        text: "позовите администратора",
        script: [{ calls: [{ name: "handover", args: { reason: "просит человека" } }] }, { text: "Передала администратору." }],
      };
    },
  },
];

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

async function main(): Promise<void> {
  const w = await openWorld();
  w.gemini.latencyMs = MODEL_LATENCY_MS;
  w.sandbox.setLatency(YCLIENTS_LATENCY_MS);
  const rows: string[][] = [];
  try {
    for (const sc of SCENARIOS) {
      const salon = await createSalon(w);
      const own: number[] = [];
      const inbound: number[] = [];
      const model: number[] = [];
      const yc: number[] = [];
      const calls: number[] = [];
      const statuses = new Set<string>();
      for (let i = 0; i < ITERATIONS + 2; i++) {
        const { phone, text, script } = await sc.setup(w, salon, i);
        w.gemini.script(script);
        // Jobs the setup caused (a booking confirmation for a seeded record) must not be timed as this message's.
        await w.fn.dispatcher.drain();
        const t = performance.now();
        await clientWrites(w, salon, phone, text);
        const inboundMs = performance.now() - t;
        await settle(w);
        const turn: TurnRow = (await listTurns(w.db.db, salon.salonId, phone)).at(-1)!;
        if (i < 2) continue; // warm-up: module loading, first queries, connection set-up
        own.push(turn.own_ms);
        inbound.push(inboundMs);
        model.push(turn.model_ms);
        yc.push(turn.yclients_ms);
        calls.push(turn.model_calls);
        statuses.add(turn.status);
        w.clock.advance(60_000);
      }
      rows.push([
        sc.name,
        [...statuses].join("/"),
        String(Math.max(...calls)),
        `${pct(own, 50)} / ${pct(own, 95)}`,
        `${pct(inbound, 50).toFixed(1)} / ${pct(inbound, 95).toFixed(1)}`,
        `${pct(model, 50)}`,
        `${pct(yc, 50)}`,
      ]);
    }
  } finally {
    await w.close();
  }
  const head = ["scenario", "status", "model calls", "own ms p50/p95 (turn)", "inbound job ms p50/p95", "model ms p50", "yclients ms p50"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  console.log(`assistant: ${ITERATIONS} messages per scenario; Gemini fake ${MODEL_LATENCY_MS} ms/call, YClients sandbox ${YCLIENTS_LATENCY_MS} ms/request`);
  console.log(line(head));
  console.log(line(widths.map((n) => "-".repeat(n))));
  for (const r of rows) console.log(line(r));
  console.log("target: own time < 50 ms per message; one model round trip for a question with no tool");
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
