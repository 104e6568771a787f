import { z } from "zod";
import { SessionConnected } from "../contract/events.js";
import { SESSION_WAIT_RETRIES } from "../dispatch/dispatcher.js";
import { salonId } from "./catalogue.js";
import { defineJob } from "./job.js";

/** Jobs of the marketplace flow: the routes answer at once and publish these; functions/jobs/ handles them. */

/** After a successful activation: start the full sync and send the welcome message; once per activation. */
export const ACTIVATED = defineJob({
  path: "/jobs/marketplace/activated",
  body: z.object({ salonId }),
  dedupeId: (b, activatedAtMs: number) => `${b.salonId}:activated:${activatedAtMs}`,
});
export type ActivatedJob = z.infer<typeof ACTIVATED.body>;

/**
 * An active salon's WhatsApp linked again after a logout: the welcome once per new link (`linkedAt`, the pairing),
 * to the number just linked (`phone`: the job may run before the event's handler has stored it).
 */
export const RELINKED = defineJob({
  path: "/jobs/marketplace/relinked",
  body: z.object({ salonId, linkedAt: z.string().datetime({ offset: true }), phone: SessionConnected.shape.phone }),
  dedupeId: (b) => `${b.salonId}:relinked:${Date.parse(b.linkedAt)}`,
  retries: SESSION_WAIT_RETRIES,
});
export type RelinkedJob = z.infer<typeof RELINKED.body>;

export const LifecycleEvent = z.enum(["uninstall", "freeze", "payment"]);

/** uninstall / freeze / payment from the lifecycle webhook; one per salon, event and minute. */
export const LIFECYCLE = defineJob({
  path: "/jobs/marketplace/lifecycle",
  body: z.object({
    salonId,
    event: LifecycleEvent,
    receivedAt: z.string().datetime({ offset: true }),
    /** `payment` only: when it was paid, as the webhook said (ISO ending in Z, or salon-local `YYYY-MM-DD HH:MM[:SS]`). */
    paymentDate: z.string().optional(),
  }),
  dedupeId: (b) => `${b.salonId}:lifecycle:${b.event}:${Math.floor(Date.parse(b.receivedAt) / 60_000)}`,
});
export type LifecycleJob = z.infer<typeof LIFECYCLE.body>;

export const ENTITY_RESOURCES = ["record", "client", "service", "staff"] as const;
export const EntityResource = z.enum(ENTITY_RESOURCES);

/**
 * One YClients entity event. `key` is what makes it one: `refresh:<window>` for a list re-read (service, staff),
 * else the event's id and a digest of what YClients sent.
 */
export const ENTITY_WEBHOOK = defineJob({
  path: "/jobs/yclients/entity-webhook",
  body: z.object({
    salonId,
    resource: EntityResource,
    resourceId: z.number().int(),
    status: z.enum(["create", "update", "delete"]),
    data: z.record(z.string(), z.unknown()),
  }),
  dedupeId: (b, key: { refreshWindow: number } | { digest: string }) =>
    "refreshWindow" in key
      ? `${b.salonId}:ycwh:${b.resource}:refresh:${key.refreshWindow}`
      : `${b.salonId}:ycwh:${b.resource}:${b.resourceId}:${b.status}:${key.digest}`,
});
export type EntityWebhookJob = z.infer<typeof ENTITY_WEBHOOK.body>;
