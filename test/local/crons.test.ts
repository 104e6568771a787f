import { afterEach, describe, expect, it, vi } from "vitest";
import type { Services } from "../../lib/services.js";
import { startLocalCrons, type LocalCron } from "../../local/crons.js";
import { silentLog } from "../support/harness.js";

const services = {} as Services;

afterEach(() => {
  vi.useRealTimers();
});

describe("the local stack's crons", () => {
  it("run once soon after start, then on their interval, and never overlap themselves", async () => {
    vi.useFakeTimers();
    const starts: string[] = [];
    let finish: () => void = () => {};
    const slow: LocalCron = {
      name: "slow",
      everyMs: 60_000,
      run: () => {
        starts.push("slow");
        return new Promise<void>((resolve) => (finish = resolve));
      },
    };
    const quick: LocalCron = { name: "quick", everyMs: 60_000, run: async () => starts.push("quick") };
    const crons = startLocalCrons(services, silentLog, [slow, quick]);

    await vi.advanceTimersByTimeAsync(1_000);
    expect(starts).toEqual(["slow", "quick"]);
    // A minute later the slow one is still running: only the quick one starts again.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(starts).toEqual(["slow", "quick", "quick"]);
    finish();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(starts).toEqual(["slow", "quick", "quick", "slow", "quick"]);
    finish();
    await crons.stop();
  });

  it("stop waits for a run in flight and starts no more", async () => {
    vi.useFakeTimers();
    let finished = false;
    let runs = 0;
    let finish: () => void = () => {};
    const cron: LocalCron = {
      name: "long",
      everyMs: 10_000,
      run: () => {
        runs += 1;
        return new Promise<void>((resolve) => (finish = () => {
          finished = true;
          resolve();
        }));
      },
    };
    const crons = startLocalCrons(services, silentLog, [cron]);
    await vi.advanceTimersByTimeAsync(1_000);
    let stopped = false;
    const stopping = crons.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    finish();
    await stopping;
    expect(finished).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs).toBe(1);
  });
});
