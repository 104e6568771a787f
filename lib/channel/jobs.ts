import type { Dispatcher } from "../dispatch/dispatcher.js";
import { SESSION_WAIT_RETRIES } from "../dispatch/dispatcher.js";

/** The channel's job routes (functions/jobs/channel/). */
export const CHANNEL_JOB_PATHS = {
  send: "/jobs/channel/send",
  status: "/jobs/channel/status",
  availability: "/jobs/channel/availability",
} as const;

/** YClients' delivery statuses (the operator protocol's callback). 1 (delivered) waits for WhatsApp receipts. */
export const DELIVERY_STATUS = { delivered: 1, notDelivered: 2, sentToPhone: 4, passedToOperator: 8, rejected: 16 } as const;
export type DeliveryStatus = (typeof DELIVERY_STATUS)[keyof typeof DELIVERY_STATUS];

export const publishChannelSend = (d: Dispatcher, salonId: number, ycId: string) =>
  d.publish({ path: CHANNEL_JOB_PATHS.send, body: { salonId, ycId }, deduplicationId: `${salonId}:channel-send:${ycId}`, retries: SESSION_WAIT_RETRIES });

/** YClients' callback endpoint may be down for a while; the local dispatcher's backoff (1, 2, 4 … 300 s) spans ~15 min. */
const STATUS_RETRIES = 10;

export const publishChannelStatus = (d: Dispatcher, salonId: number, ycId: string, status: DeliveryStatus) =>
  d.publish({ path: CHANNEL_JOB_PATHS.status, body: { salonId, ycId, status }, deduplicationId: `${salonId}:channel-status:${ycId}:${status}`, retries: STATUS_RETRIES });

/** `occasion` makes each session event its own job: a later logout after a re-link is checked again. */
export const publishAvailabilityCheck = (d: Dispatcher, salonId: number, occasion: string, delaySec: number) =>
  d.publish({
    path: CHANNEL_JOB_PATHS.availability, body: { salonId }, delaySec,
    deduplicationId: `${salonId}:channel-availability:${occasion.replace(/[^A-Za-z0-9._-]/g, "-")}`,
  });
