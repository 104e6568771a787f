import type { Hono } from "hono";
import type { Services } from "../../../lib/services.js";
import { registerActivate } from "./activate.js";
import { registerOnboarding } from "./onboarding.js";
import { registerRedirect } from "./redirect.js";

/** The install flow: redirect from YClients, onboarding page (and its assets), activation. */
export function registerMarketplace(app: Hono, s: Services): void {
  registerRedirect(app, s);
  registerOnboarding(app, s);
  registerActivate(app, s);
}
