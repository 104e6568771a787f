import type { Clock } from "../../lib/clock.js";
import type { Config } from "../../lib/config/index.js";
import type { Database } from "../../lib/db/client.js";
import { LocalDispatcher } from "../../lib/dispatch/local.js";
import { silentLog } from "../support/harness.js";

/**
 * The functions' job queue as a gateway test needs it: what the gateway publishes stays in local_dispatch for the
 * test to read, and a delivery only answers ok (no functions app behind it).
 */
export function jobQueue(database: Database, config: Config, clock: Clock): LocalDispatcher {
  if (config.dispatch.kind !== "local") throw new Error("local dispatch expected");
  return new LocalDispatcher({
    db: database.db, clock, log: silentLog, publicUrl: config.publicUrl, signingKey: config.dispatch.currentSigningKey,
    deliver: async () => new Response("ok"),
  });
}
