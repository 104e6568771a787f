import type { Hono } from "hono";
import type { Services } from "../../../lib/services.js";
import { registerEntityWebhook } from "./yclients-entity.js";
import { registerLifecycleWebhook } from "./yclients.js";

/** What YClients posts to us: the marketplace lifecycle and the per-salon entity events. */
export function registerWebhooks(app: Hono, s: Services): void {
  registerLifecycleWebhook(app, s);
  registerEntityWebhook(app, s);
}
