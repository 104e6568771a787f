import { Hono } from "hono";
import type { Db } from "../lib/db/client.js";
import type { Logger } from "../lib/log.js";
import { GatewayApiError } from "./errors.js";
import { errorBody, limitBody, requireServiceToken } from "./http/common.js";
import { mountEmulatorRoutes } from "./http/emulator-routes.js";
import { mountHealthRoutes } from "./http/health-routes.js";
import { mountServiceRoutes } from "./http/service-routes.js";
import type { EventOutbox } from "./outbox.js";
import type { SessionManager } from "./sessions/manager.js";
import type { GatewayStore } from "./store.js";
import type { EmulatorWorld } from "./transport/emulator.js";
import type { WebVersionStatus } from "./transport/web-version.js";

export interface GatewayAppDeps {
  db: Db;
  log: Logger;
  store: GatewayStore;
  sessions: SessionManager;
  outbox: EventOutbox;
  gatewaySecret: string;
  transportKind: "baileys" | "emulator";
  /** Present only with the emulator transport: mounts /emulator/*. */
  emulator?: EmulatorWorld;
  /** The WhatsApp Web version the Baileys transport presents (absent with the emulator). */
  webVersion?: () => WebVersionStatus;
}

/**
 * The gateway's HTTP surface: `GET /health` (open: up or not; the details at `GET /v1/health`), the service API under
 * /v1 and, with the emulator transport, its control routes under /emulator (both behind the service bearer JWT). The
 * onboarding WebSocket is attached to the same server in server.ts.
 */
export function createGatewayApp(deps: GatewayAppDeps): Hono {
  const app = new Hono();

  app.onError((err, c) => {
    if (err instanceof GatewayApiError) return c.json(errorBody(err), err.status as 400);
    deps.log.error({ err, path: c.req.path }, "gateway request failed");
    return c.json({ error: { code: "internal", message: "internal error" } }, 500);
  });
  app.notFound((c) => c.json({ error: { code: "not_found", message: "no such route" } }, 404));
  app.use("*", limitBody);

  const auth = requireServiceToken(deps.gatewaySecret);
  app.use("/v1/*", auth);
  mountHealthRoutes(app, deps);
  mountServiceRoutes(app, deps.sessions);
  if (deps.emulator) {
    app.use("/emulator/*", auth);
    mountEmulatorRoutes(app, deps.sessions, deps.emulator);
  }
  return app;
}
