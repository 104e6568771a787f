import type { Services } from "../../lib/services.js";

/** What a cron's `run` does with the services; its result is logged and returned to Lambda. */
export type CronRun = (s: Services) => Promise<unknown>;

/** The JSON EventBridge Scheduler passes (infra/crons.ts sets `{ cron: <name> }`); not an HTTP request. */
export interface CronEvent {
  cron?: string;
}

export interface CronOutcome {
  cron: string;
  result: unknown;
}

export type CronLambdaHandler = (event: CronEvent | undefined) => Promise<CronOutcome>;

/**
 * Loaded on the first invocation, not at import: the local stack imports the cron files for their `run`, and
 * must not pull in the Lambda wiring (SST Resource, Supabase) it never uses.
 */
const lambdaServices = async (): Promise<Services> => (await import("../lambda-services.js")).lambdaServices();

/**
 * Wraps a cron's `run` as a Lambda handler. Each cron file does
 * `export const handler = cronHandler("sync", run);` and infra/crons.ts points a schedule at `<file>.handler`.
 *
 * A failing run rethrows, so Lambda records the invocation as failed and the schedule's retry policy applies.
 *
 * @example
 * export async function run(s: Services) { … }
 * export const handler = cronHandler("booking-poll", run);
 */
export function cronHandler(name: string, run: CronRun, services: () => Promise<Services> = lambdaServices): CronLambdaHandler {
  return async (event) => {
    // A schedule pointed at the wrong file would otherwise run the wrong job silently every few minutes.
    if (event?.cron !== undefined && event.cron !== name) {
      throw new Error(`cron "${name}" invoked with the event of cron "${event.cron}": check infra/crons.ts`);
    }
    const s = await services();
    const log = s.log.child({ cron: name });
    const started = s.clock.now().getTime();
    try {
      const result = await run(s);
      log.info({ result, ms: s.clock.now().getTime() - started }, "cron done");
      return { cron: name, result };
    } catch (err) {
      log.error({ err, ms: s.clock.now().getTime() - started }, "cron failed");
      throw err;
    }
  };
}
