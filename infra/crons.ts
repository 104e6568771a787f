import { API_SECRETS, functionsEnvironment } from "./api";
import { LAMBDA_DEFAULTS } from "./lambda-defaults";
import { pick, type Secrets } from "./secrets";
import type { Settings } from "./settings";

/** What the functions have, less the model key: no cron runs the assistant. */
const CRON_SECRETS = API_SECRETS.filter((name) => name !== "GeminiApiKey");

/**
 * The scheduled work. Each file under functions/crons/ exports `handler = cronHandler(name, run)`; the event carries
 * the cron's name so a schedule pointed at the wrong file fails instead of running the wrong job.
 * A timeout shorter than the interval keeps two runs of one cron from overlapping; the next tick is the retry.
 */
export const CRONS = [
  { id: "BookingPoll", name: "booking-poll", file: "functions/crons/booking-poll", schedule: "rate(1 minute)", timeout: "50 seconds" },
  { id: "Reminders", name: "reminders", file: "functions/crons/reminders", schedule: "rate(5 minutes)", timeout: "4 minutes" },
  { id: "Sync", name: "sync", file: "functions/crons/sync", schedule: "rate(15 minutes)", timeout: "10 minutes" },
  { id: "Outreach", name: "outreach", file: "functions/crons/outreach", schedule: "rate(1 minute)", timeout: "50 seconds" },
  { id: "Campaigns", name: "campaigns", file: "functions/crons/campaigns", schedule: "rate(5 minutes)", timeout: "4 minutes" },
  // Daily at 03:00 Moscow time, when salons are closed: checks frozen salons' marketplace status.
  { id: "MarketplaceStatus", name: "marketplace-status", file: "functions/crons/marketplace-status", schedule: "cron(0 3 * * ? *)", timezone: "Europe/Moscow", timeout: "5 minutes" },
] as const;

export function createCrons(opts: {
  secrets: Secrets;
  settings: Settings;
  publicUrl: $util.Input<string>;
  gatewayUrl: $util.Input<string>;
  vpc: sst.aws.Vpc;
}): sst.aws.CronV2[] {
  return CRONS.map(
    (c) =>
      new sst.aws.CronV2(c.id, {
        schedule: c.schedule,
        timezone: "timezone" in c ? c.timezone : undefined,
        event: { cron: c.name },
        retries: 0,
        function: {
          ...LAMBDA_DEFAULTS,
          // The same Services as the Api, gateway client included, so the same network.
          vpc: opts.vpc,
          handler: `${c.file}.handler`,
          timeout: c.timeout,
          link: pick(opts.secrets, CRON_SECRETS),
          environment: {
            ...functionsEnvironment(opts.settings),
            PUBLIC_URL: opts.publicUrl,
            GATEWAY_URL: opts.gatewayUrl,
          },
        },
      }),
  );
}
