import { Hono } from "hono";
import { handleError, errorBody } from "./http/errors.js";
import { limitBody } from "./http/body-limit.js";
import { registerCabinet } from "./routes/cabinet/index.js";
import { registerCabinetOutreach } from "./routes/cabinet/outreach.js";
import { registerChatPanel } from "./routes/chat-panel/index.js";
import { registerHealth } from "./routes/health.js";
import { jobsRouter } from "./jobs/index.js";
import { registerMarketplace } from "./routes/marketplace/index.js";
import { registerWebhooks } from "./routes/webhooks/index.js";
import { registerOperatorRoute } from "./routes/channel/operator.js";
import type { Services } from "../lib/services.js";

/** The functions app: the same Hono app runs in the local Node server, in tests and behind Lambda. */
export function createApp(s: Services): Hono {
  const app = new Hono();
  app.onError(handleError(s.log));
  // The path is not echoed: it may carry a webhook secret the caller got wrong or should not have.
  app.notFound((c) => c.json(errorBody("not_found", "No such route"), 404));
  app.use("*", limitBody);
  registerHealth(app, s);
  registerMarketplace(app, s);
  registerWebhooks(app, s);
  registerCabinet(app, s);
  registerCabinetOutreach(app, s);
  registerOperatorRoute(app, s);
  registerChatPanel(app, s);
  app.route("/jobs", jobsRouter(s));
  return app;
}
