import type { Hono } from "hono";
import { z } from "zod";
import { syncChannelAvailability } from "../../../lib/channel/availability.js";
import { CHANNEL_JOB_PATHS, DELIVERY_STATUS } from "../../../lib/channel/jobs.js";
import { sendChannelMessage } from "../../../lib/channel/send.js";
import { postDeliveryStatus } from "../../../lib/channel/statuses.js";
import { YClientsError, YClientsNotConfiguredError } from "../../../lib/yclients/errors.js";
import type { Services } from "../../../lib/services.js";
import { jobBody, permanentFailure } from "../job-body.js";

const salonId = z.number().int().positive();
const ycId = z.string().min(1);
const route = (path: string) => path.replace(/^\/jobs/, "");

/** /jobs/channel/*: sending what YClients handed us, posting its statuses back, and the channel's availability. */
export function registerChannelJobs(jobs: Hono, s: Services): void {
  jobs.post(route(CHANNEL_JOB_PATHS.send), async (c) => {
    const parsed = await jobBody(c, z.object({ salonId, ycId }));
    if (!parsed.ok) return parsed.res;
    const result = await sendChannelMessage(s, parsed.body.salonId, parsed.body.ycId);
    return result.status === "retry" ? c.json(result, 503) : c.json(result);
  });

  jobs.post(route(CHANNEL_JOB_PATHS.status), async (c) => {
    const statuses = Object.values(DELIVERY_STATUS) as number[];
    const parsed = await jobBody(c, z.object({ salonId, ycId, status: z.number().int().refine((v) => statuses.includes(v)) }));
    if (!parsed.ok) return parsed.res;
    const { salonId: sid, ycId: id, status } = parsed.body;
    const outcome = await postDeliveryStatus(s, sid, id, status as (typeof DELIVERY_STATUS)[keyof typeof DELIVERY_STATUS]);
    return outcome === "retry" || outcome === "busy" ? c.json({ status: outcome }, 503) : c.json({ status: outcome });
  });

  jobs.post(route(CHANNEL_JOB_PATHS.availability), async (c) => {
    const parsed = await jobBody(c, z.object({ salonId }));
    if (!parsed.ok) return parsed.res;
    try {
      return c.json({ status: await syncChannelAvailability(s, parsed.body.salonId) });
    } catch (err) {
      if (err instanceof YClientsNotConfiguredError || (err instanceof YClientsError && !err.isRetryable)) {
        s.log.error({ salonId: parsed.body.salonId, err }, "YClients refused update_channel");
        return permanentFailure(c, "update_channel_refused", (err as Error).message);
      }
      throw err;
    }
  });
}
