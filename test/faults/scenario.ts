import { expect } from "vitest";
import { FaultWorld, type Counts } from "./world.js";

/** Load per run: this many clients write and this many bookings are made, spread over the salons. */
const LOAD = 6;
const SETTLE_MS = 150_000;

export interface Crash {
  /** AI_ADMIN_FAULT of the run: the step at which it kills itself. */
  fault: string;
  /** A salon installed during the run (its first sync is where mid-sync lands). */
  installs?: number;
}

/**
 * A chain of crashes on one DATA_DIR: the first run installs `salons` (the owner's marketplace redirect, a QR scan,
 * activation), every run drives clients writing and bookings arriving and kills itself with SIGKILL at its fault
 * (each restart finds the previous one's work half done), and a last run with no fault must finish everything.
 * Messages the stack did not take while it was down come again with the same WhatsApp ids, as WhatsApp delivers
 * them; bookings made meanwhile reach it through the booking poll.
 */
export async function crashChain(salons: number[], crashes: Crash[]): Promise<Counts> {
  const w = await FaultWorld.open();
  const t0 = performance.now();
  const phases: string[] = [];
  const phase = (name: string) => phases.push(`${name} ${((performance.now() - t0) / 1000).toFixed(0)}s`);
  try {
    for (const [run, crash] of crashes.entries()) {
      await w.start(crash.fault);
      if (run === 0) for (const [i, id] of salons.entries()) await w.install(id, `7900555${String(salons[0]).slice(-2)}${i}`);
      await w.redeliver();
      const installing = crash.installs ? w.install(crash.installs, `790055599${run}`).catch(() => undefined) : undefined;
      for (let i = 0; i < LOAD; i++) {
        const salonId = salons[i % salons.length]!;
        const n = `${String(salonId).slice(-2)}${run}${String(i).padStart(4, "0")}`;
        await w.clientWrites(salonId, `7915${n}`, "Здравствуйте! Есть время в субботу на стрижку?");
        w.book(salonId, `7916${n}`, 3, 10 + (i % 8), run * 10);
        await new Promise((r) => setTimeout(r, 100));
      }
      await installing;
      expect(await w.killed(60_000), `the stack never reached ${crash.fault}`).toBe(-9);
      phase(crash.fault);
    }
    await w.start();
    await w.redeliver();
    const counts = await w.settle(SETTLE_MS);
    phase("settled");
    console.log(`${crashes.map((c) => c.fault).join(" → ")}: ${JSON.stringify(counts)} (${phases.join(", ")})`);
    expect(counts.received).toBe(LOAD * crashes.length);
    return counts;
  } finally {
    await w.close();
  }
}
