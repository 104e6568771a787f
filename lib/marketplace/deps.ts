import type { Services } from "../services.js";

/** What the marketplace flow needs of the Services. */
export type MarketplaceDeps = Pick<Services, "config" | "db" | "dispatcher" | "gateway" | "yclients" | "clock" | "log">;
