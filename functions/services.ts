import { systemClock, type Clock } from "../lib/clock.js";
import type { Config } from "../lib/config/index.js";
import type { Db } from "../lib/db/client.js";
import type { Dispatcher } from "../lib/dispatch/dispatcher.js";
import { createQStashDispatcher } from "../lib/dispatch/qstash.js";
import { createReceiver } from "../lib/dispatch/signature.js";
import { createGatewayClient, type GatewayClient } from "../lib/gateway/client.js";
import { createSessionRouter } from "../lib/gateway/route.js";
import type { Logger } from "../lib/log.js";
import type { Services } from "../lib/services.js";
import { createYClientsClient, type YClientsClient } from "../lib/yclients/client.js";


export interface ServiceOverrides {
  dispatcher?: Dispatcher;
  gateway?: GatewayClient;
  yclients?: YClientsClient;
  clock?: Clock;
}

export function createServices(config: Config, db: Db, log: Logger, overrides: ServiceOverrides = {}): Services {
  const dispatch = config.dispatch;
  const dispatcher =
    overrides.dispatcher ??
    (dispatch.kind === "qstash"
      ? createQStashDispatcher({ baseUrl: dispatch.url, token: dispatch.token, publicUrl: config.publicUrl })
      : undefined);
  if (!dispatcher) throw new Error("the local dispatcher must be passed in: it needs the app to deliver to");
  const clock = overrides.clock ?? systemClock;
  return {
    config,
    db,
    dispatcher,
    receiver: createReceiver(dispatch),
    gateway: overrides.gateway ?? createGatewayClient({
      baseUrl: config.gatewayUrl, secret: config.gatewaySecret, router: createSessionRouter({ db, clock }),
    }),
    yclients: overrides.yclients ?? createYClientsClient({ ...config.yclients, log: log.child({ part: "yclients" }) }),
    clock,
    log,
  };
}
