import type { Clock } from "../clock.js";
import type { Config } from "../config/index.js";
import type { Db } from "../db/client.js";
import type { Dispatcher } from "../dispatch/dispatcher.js";
import type { GatewayClient } from "../gateway/client.js";
import type { Logger } from "../log.js";
import type { YClientsClient } from "../yclients/client.js";

/** What the marketplace flow needs; the functions' `Services` satisfies it. */
export interface MarketplaceDeps {
  config: Config;
  db: Db;
  dispatcher: Dispatcher;
  gateway: GatewayClient;
  yclients: YClientsClient;
  clock: Clock;
  log: Logger;
}
