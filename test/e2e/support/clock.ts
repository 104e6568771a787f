import type { Clock } from "../../../lib/clock.js";

/**
 * The end-to-end clock: it starts at a chosen instant and then runs with real time, so the stack's own waits (the
 * burst wait, the confirmation delay, QR lifetimes) pass as they would for people, and the test can jump it forward
 * (to the evening before a visit) without waiting. It never goes back: nothing in the system expects that.
 */
export class RunningClock implements Clock {
  private readonly startedAt = performance.now();
  private shiftMs = 0;

  constructor(private readonly start: Date) {}

  now(): Date {
    return new Date(this.start.getTime() + (performance.now() - this.startedAt) + this.shiftMs);
  }

  advance(ms: number): void {
    if (ms < 0) throw new Error("the end-to-end clock only moves forward");
    this.shiftMs += ms;
  }

  /** Jumps forward to `to`; refuses to go back. */
  advanceTo(to: Date): void {
    this.advance(to.getTime() - this.now().getTime());
  }
}
