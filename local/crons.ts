import type { Logger } from "../lib/log.js";
import type { Services } from "../lib/services.js";
import { run as bookingPoll } from "../functions/crons/booking-poll.js";
import { run as campaigns } from "../functions/crons/campaigns.js";
import { run as reminders } from "../functions/crons/reminders.js";
import { run as sync } from "../functions/crons/sync.js";
import { run as marketplaceStatus } from "../functions/crons/marketplace-status.js";
import { run as outreach } from "../functions/crons/outreach.js";

/** The same schedules infra/crons.ts gives EventBridge, run on timers by the local stack. */
export interface LocalCron {
  name: string;
  everyMs: number;
  run: (s: Services) => Promise<unknown>;
}

export const LOCAL_CRONS: LocalCron[] = [
  { name: "booking-poll", everyMs: 60_000, run: bookingPoll },
  { name: "reminders", everyMs: 5 * 60_000, run: reminders },
  { name: "campaigns", everyMs: 5 * 60_000, run: campaigns },
  { name: "sync", everyMs: 15 * 60_000, run: sync },
  { name: "marketplace-status", everyMs: 24 * 60 * 60_000, run: marketplaceStatus },
  { name: "outreach", everyMs: 60_000, run: outreach },
];

export interface RunningCrons {
  /** Clears the timers and waits for runs in flight. */
  stop(): Promise<void>;
}

/** Each cron runs once at start, then on its interval; a run never overlaps the previous one of the same cron. */
export function startLocalCrons(s: Services, log: Logger, crons: LocalCron[] = LOCAL_CRONS): RunningCrons {
  const timers: NodeJS.Timeout[] = [];
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  for (const cron of crons) {
    let busy = false;
    const tick = () => {
      if (busy || stopped) return;
      busy = true;
      const p = cron
        .run(s)
        .then((result) => log.debug({ cron: cron.name, result }, "cron done"))
        .catch((err: unknown) => log.error({ err, cron: cron.name }, "cron failed"))
        .finally(() => {
          busy = false;
          inFlight.delete(p);
        });
      inFlight.add(p);
    };
    timers.push(setTimeout(tick, 1_000), setInterval(tick, cron.everyMs));
  }
  return {
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      await Promise.all([...inFlight]);
    },
  };
}
