/**
 * YClients: typed client, errors, the process-wide rate limiter, wire types and salon-local time helpers.
 * Import from here; see each module's header for its API.
 */
export * from "./client.js";
export * from "./errors.js";
export * from "./rate-limiter.js";
export * from "./time.js";
export type * from "./types.js";
