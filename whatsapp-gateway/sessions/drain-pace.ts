/**
 * How fast a draining gateway lets its sessions go (fleet.ts, `drain`): no faster than the other gateways take them.
 * Let go all at once, the others claimed them at their own pace and in their own order (a hash, gateway_claimable),
 * so a salon let go early could wait for most of the drain; paced, at most `window` (their claims in flight) are let
 * go and not yet taken at any moment, the rest stay connected and working here, and each salon is offline for about
 * one scan and one claim. Pacing ends after `drainPacingMs` of holding the drain back (the stop timeout must leave
 * room for the rest) or once nothing let go was taken for `drainStallMs` (the others are full, draining too, or not
 * claiming): the rest then go at once.
 */
import { sleep, type SessionManagerDeps } from "./live.js";

export class DrainPace {
  /** Let go here, not yet held by another gateway. */
  private readonly waiting = new Set<number>();
  private paced: boolean;
  /** How long the pacing has held the drain back, and since the others last took a session (ms). */
  private pacedMs = 0;
  private stalledMs = 0;
  private polling: Promise<void> | null = null;
  private readonly pollMs: number;

  constructor(private readonly deps: SessionManagerDeps, private readonly window: number) {
    this.paced = deps.options.drainPacingMs > 0;
    this.pollMs = Math.min(500, Math.max(50, deps.options.fleetScanMs / 4));
  }

  /** Resolves once one more session may be let go. */
  async room(): Promise<void> {
    while (this.paced && this.waiting.size >= this.window) await this.poll();
  }

  /** A session let go here for another gateway to take. */
  letGo(salonId: number): void {
    this.waiting.add(salonId);
  }

  /** Which of those let go the others took by now; one query at a time, shared by everyone waiting for room. */
  private poll(): Promise<void> {
    this.polling ??= this.look().finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  private async look(): Promise<void> {
    const { store, clock, log, options } = this.deps;
    await sleep(this.pollMs);
    const asked = [...this.waiting];
    const unheld = new Set(await store.leasesUnheld(asked, clock.now()).catch((err) => {
      log.warn({ err }, "draining: checking which sessions were taken failed");
      return asked;
    }));
    this.pacedMs += this.pollMs;
    this.stalledMs += this.pollMs;
    for (const id of asked) {
      if (unheld.has(id)) continue;
      this.waiting.delete(id);
      this.stalledMs = 0;
    }
    if (this.pacedMs >= options.drainPacingMs || this.stalledMs >= options.drainStallMs) {
      log.warn({ waiting: this.waiting.size }, "draining: the others are not taking sessions fast enough; the rest go at once");
      this.paced = false;
    }
  }
}
