import { expect } from "vitest";
import { FaultWorld, type Counts } from "./world.js";

/** Load per scenario: this many clients write and this many bookings are made, spread over the salons. */
const LOAD = 8;
const SETTLE_MS = 150_000;

/**
 * One crash: salons installed on a first run that stops cleanly; a second run that kills itself with SIGKILL at
 * `fault` while clients write and bookings arrive; a third run on the same DATA_DIR, with no fault, that must
 * finish everything. `extraSalon` is installed during the second run (its first sync is where mid-sync lands).
 */
export async function crashAt(fault: string, salons: number[], extraSalon?: number): Promise<Counts> {
  const w = await FaultWorld.open();
  try {
    await w.start();
    for (const [i, id] of salons.entries()) await w.install(id, `7900555000${i}`);
    // The welcome messages and first syncs of the installs finish before the clean stop.
    await new Promise((r) => setTimeout(r, 2000));
    await w.stop();

    await w.start(fault);
    const installing = extraSalon ? w.install(extraSalon, "79005559999").catch(() => undefined) : undefined;
    const tag = String(extraSalon ?? salons[0]).slice(-2);
    for (let i = 0; i < LOAD; i++) {
      const salonId = salons[i % salons.length]!;
      await w.clientWrites(salonId, `7915${tag}0000${i}`, "Здравствуйте! Есть время в субботу на стрижку?");
      w.book(salonId, `7916${tag}0000${i}`, 3, 10 + (i % 8));
      await new Promise((r) => setTimeout(r, 100));
    }
    await installing;
    expect(await w.killed(60_000), `the stack never reached ${fault}`).toBe(-9);

    await w.start();
    await w.redeliver();
    const counts = await w.settle(SETTLE_MS);
    console.log(`${fault}: ${JSON.stringify(counts)}`);
    expect(counts.received).toBe(LOAD);
    return counts;
  } finally {
    await w.close();
  }
}
