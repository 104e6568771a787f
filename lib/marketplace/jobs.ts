import { z } from "zod";

/**
 * Jobs of the marketplace flow: the routes answer at once and publish these; functions/jobs/ handles them.
 * Deduplication ids are built from the salon id first, like every job id in the system.
 */
export const MARKETPLACE_JOB_PATHS = {
  activated: "/jobs/marketplace/activated",
  lifecycle: "/jobs/marketplace/lifecycle",
  entityWebhook: "/jobs/yclients/entity-webhook",
} as const;

const salonId = z.number().int().positive();

/** After a successful activation: start the full sync and send the welcome message. */
export const ActivatedJob = z.object({ salonId });

export const LifecycleEvent = z.enum(["uninstall", "freeze", "payment"]);
export const LifecycleJob = z.object({
  salonId,
  event: LifecycleEvent,
  receivedAt: z.string().datetime({ offset: true }),
  /** `payment` only: when it was paid, as the webhook said (ISO ending in Z, or salon-local `YYYY-MM-DD HH:MM[:SS]`). */
  paymentDate: z.string().optional(),
});

export const ENTITY_RESOURCES = ["record", "client", "service", "staff"] as const;
export const EntityResource = z.enum(ENTITY_RESOURCES);
export const EntityWebhookJob = z.object({
  salonId,
  resource: EntityResource,
  resourceId: z.number().int(),
  status: z.enum(["create", "update", "delete"]),
  data: z.record(z.string(), z.unknown()),
});

export type ActivatedJob = z.infer<typeof ActivatedJob>;
export type LifecycleJob = z.infer<typeof LifecycleJob>;
export type EntityWebhookJob = z.infer<typeof EntityWebhookJob>;
