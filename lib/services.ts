import type { Receiver } from "@upstash/qstash";
import type { Clock } from "./clock.js";
import type { Config } from "./config/index.js";
import type { Db } from "./db/client.js";
import type { Dispatcher } from "./dispatch/dispatcher.js";
import type { GatewayClient } from "./gateway/client.js";
import type { Logger } from "./log.js";
import type { YClientsClient } from "./yclients/client.js";

/**
 * Everything a route, job or cron needs, built once per process (once per Lambda cold start) by the composition
 * root (functions/services.ts). A verb in lib/ takes a `Pick` of it naming only what it uses.
 */
export interface Services {
  config: Config;
  db: Db;
  dispatcher: Dispatcher;
  receiver: Receiver;
  gateway: GatewayClient;
  /** YClients REST + partner API; calls fail with YClientsNotConfiguredError when there is no partner token. */
  yclients: YClientsClient;
  clock: Clock;
  log: Logger;
}
