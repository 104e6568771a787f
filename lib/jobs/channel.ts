import { z } from "zod";
import type { Dispatcher, JobMessage } from "../dispatch/dispatcher.js";
import { SESSION_WAIT_RETRIES } from "../dispatch/dispatcher.js";
import { salonId } from "./catalogue.js";
import { defineJob, jobMessage, publishJob } from "./job.js";

/** The channel's jobs (functions/jobs/channel/): sending what YClients handed us, its statuses, its availability. */

/** YClients' delivery statuses (the operator protocol's callback); 1 (delivered) comes from WhatsApp's receipt. */
export const DELIVERY_STATUS = { delivered: 1, notDelivered: 2, sentToPhone: 4, passedToOperator: 8, rejected: 16 } as const;
export type DeliveryStatus = (typeof DELIVERY_STATUS)[keyof typeof DELIVERY_STATUS];
const deliveryStatuses = Object.values(DELIVERY_STATUS) as number[];

const ycId = z.string().min(1);

/** `key` tells a republish apart (held for the end of the salon's quiet hours); "" for the operator's publish. */
export const CHANNEL_SEND = defineJob({
  path: "/jobs/channel/send",
  body: z.object({ salonId, ycId }),
  dedupeId: (b, key: string) => `${b.salonId}:channel-send:${b.ycId}${key ? `:${key}` : ""}`,
  retries: SESSION_WAIT_RETRIES,
});

export const CHANNEL_STATUS = defineJob({
  path: "/jobs/channel/status",
  body: z.object({
    salonId,
    ycId,
    status: z.number().int().refine((v): v is DeliveryStatus => deliveryStatuses.includes(v)),
  }),
  dedupeId: (b) => `${b.salonId}:channel-status:${b.ycId}:${b.status}`,
  /** YClients' callback endpoint may be down for a while; the local dispatcher's backoff (1, 2, 4 … 300 s) spans ~15 min. */
  retries: 10,
});

/** `occasion` makes each session event its own job: a later logout after a re-link is checked again. */
export const CHANNEL_AVAILABILITY = defineJob({
  path: "/jobs/channel/availability",
  body: z.object({ salonId }),
  dedupeId: (b, occasion: string) => `${b.salonId}:channel-availability:${occasion.replace(/[^A-Za-z0-9._-]/g, "-")}`,
});

export const publishChannelSend = (d: Dispatcher, salonId: number, ycId: string, later?: { key: string; delaySec: number }) =>
  publishJob(d, CHANNEL_SEND, { salonId, ycId }, later ?? { key: "" });

/** The job a message YClients handed us needs at once: its send when queued, its status 16 when rejected. */
export function channelJobFor(salonId: number, ycId: string, state: string): JobMessage | null {
  if (state === "queued") return jobMessage(CHANNEL_SEND, { salonId, ycId }, { key: "" });
  if (state === "rejected") return jobMessage(CHANNEL_STATUS, { salonId, ycId, status: DELIVERY_STATUS.rejected });
  return null;
}

export const publishChannelStatus = (d: Dispatcher, salonId: number, ycId: string, status: DeliveryStatus) =>
  publishJob(d, CHANNEL_STATUS, { salonId, ycId, status });

export const publishAvailabilityCheck = (d: Dispatcher, salonId: number, occasion: string, delaySec: number) =>
  publishJob(d, CHANNEL_AVAILABILITY, { salonId }, { key: occasion, delaySec });
