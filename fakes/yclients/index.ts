/**
 * The YClients sandbox. `startYClientsSandbox()` for a listening fake (tests, local stack),
 * `createYClientsSandbox()` to drive its Hono app in process. API and control surface: see sandbox.ts.
 * As a process of its own: `npx tsx fakes/yclients/serve.ts` (see serve.ts).
 */
export * from "./sandbox.js";
export { generateSalon, recordWire, scheduleFor } from "./data.js";
export { demoOwner, marketplaceRedirectUrl, type MarketplaceUserData } from "./marketplace-redirect.js";
