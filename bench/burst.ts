/**
 * `npx tsx bench/burst.ts`: 500 new bookings arriving at once in 5 salons (BENCH_BURST, BENCH_BURST_SALONS), on
 * `npm start`'s stack as a child process (test/faults/world.ts), the YClients sandbox with its real rate limit, the
 * WhatsApp emulator at the production pace (800–2500 ms between two sends of one salon), confirmations due at once.
 * Reports how many confirmations each client got, how many of the functions' calls to the gateway timed out, and
 * when the last confirmation left after its webhook. Before durable acceptance: 308 timeouts, last one after 649 s.
 */
import { FaultWorld } from "../test/faults/world.js";

const BOOKINGS = Number(process.env.BENCH_BURST ?? 500);
const SALONS = Number(process.env.BENCH_BURST_SALONS ?? 5);

const w = await FaultWorld.open();
try {
  await w.start(undefined, { STACK_SEND_GAP_MS: "800,2500" });
  const salons = Array.from({ length: SALONS }, (_, i) => 962_500 + i);
  for (const [i, id] of salons.entries()) await w.install(id, `790055510${i}`);
  await new Promise((r) => setTimeout(r, 3000));

  const phones = Array.from({ length: BOOKINGS }, (_, i) => `7917${String(1_000_000 + i)}`);
  const t0 = Date.now();
  phones.forEach((phone, i) => w.book(salons[i % SALONS]!, phone, 3 + Math.floor(i / 400), 9 + (Math.floor(i / 40) % 10), (i % 4) * 15));

  const deadline = t0 + 30 * 60_000;
  let got = new Map<string, number[]>();
  while (Date.now() < deadline) {
    got = new Map();
    for (const id of salons) {
      for (const m of await w.sent(id)) {
        const phone = m.to.split("@")[0]!;
        if (phones.includes(phone)) got.set(phone, [...(got.get(phone) ?? []), Date.parse(m.at)]);
      }
    }
    if (got.size === BOOKINGS) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  await new Promise((r) => setTimeout(r, 5000));
  const last = Math.max(...[...got.values()].map((ts) => Math.min(...ts)));
  const timeouts = w.logLines().filter((l) => l.includes("notification send will be retried") && /timeout|aborted/i.test(l)).length;
  const twice = [...got.values()].filter((ts) => ts.length > 1).length;
  console.log(`Burst: ${BOOKINGS} new bookings at once in ${SALONS} salons, sandbox rate limit on, sends 800–2500 ms apart per salon:\n`);
  console.log(`| metric | value |\n| --- | --- |`);
  console.log(`| clients confirmed | ${got.size} of ${BOOKINGS} (${twice} twice) |`);
  console.log(`| gateway calls that hit the 15 s timeout | ${timeouts} |`);
  console.log(`| last confirmation after its webhook | ${((last - t0) / 1000).toFixed(0)} s (spacing alone: ~${((BOOKINGS / SALONS) * 1.65).toFixed(0)} s) |`);
  await w.stop();
} finally {
  await w.close();
}
