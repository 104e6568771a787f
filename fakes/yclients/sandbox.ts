/**
 * The YClients sandbox: a Hono app that speaks YClients' wire format (reference: shared/reference/yclients-api.md),
 * used by the tests and by `npm start` when there is no partner token.
 *
 * Public API:
 *   createYClientsSandbox(options?) → YClientsSandbox       (not listening; `app.request` or `listen()`)
 *   startYClientsSandbox(options?) → Promise<YClientsSandbox & { url }>   (listening on 127.0.0.1, port 0 default)
 *
 * Options: partnerToken, applicationId, userToken (when set, a `User` token must match on user endpoints),
 * latencyMs, rateLimit ({perSecond, perMinute} or false; default 5/200 like YClients), clock (record times, "today"),
 * salonDefaults (SalonOptions for every generated salon), emitWebhooks (POST record webhooks to the salon's
 * registered webhook_urls), deliverWebhook (how; fetch by default).
 *
 * Wire behaviour: `Authorization: Bearer <partner>[, User <user>]` (401 without a valid partner token), envelope
 * `{success,data,meta}` with `meta: []` on single entities, YClients' paging metas, 429 past the rate limit, error
 * bodies `{success:false,data:null,meta:{message[,errors]}}`, 204 on record DELETE, 201 on creates and record PUT.
 * Endpoints: company; company_users (partner + user token); service_categories; services; staff; staff/schedule; clients/search; clients (the deprecated listing, with birth dates); records list/create;
 * record get/put/delete; book_services, book_staff, book_dates, book_times, book_check, book_record (POST, PUT);
 * marketplace partner callback/redirect (301), callback (201), payment, salon application status, uninstall,
 * application salons list.
 *
 * Test control (TypeScript, in process):
 *   salon(id, opts?)          the generated salon (regenerated when opts are given): company, services, staff,
 *                             clients, records (compact form); `wireRecords(id)` as YcRecord[]
 *   owner(id)                 the salon's owner as `company_users` lists them (an administrator), and
 *   addCompanyUser(id, user, {admin})  a user YClients lists for that salon (a chain owner on several branches)
 *   partnerCallbacks          every marketplace call received: {kind, salonId, body, at}
 *   recordChanges(id?)        every record create/update/delete: {salonId, recordId, action, via, record}
 *   requests                  every HTTP request: {method, path, salonId, status, authorization, accept, partnerId}
 *   addRecord / changeRecord / deleteRecord / vanishRecord   what a salon admin would do in YClients
 *   fail(id, status, {times?, path?})   force 403/429/500/… for a salon; clearFailures(id?)
 *   setLatency(ms), setRateLimit(limits|false), webhooksSent
 */
import { Hono } from "hono";
import { gate } from "./gate.js";
import { mountChannelRoutes } from "./channel-routes.js";
import { mountChatRoutes } from "./chat-routes.js";
import { controlSurface } from "./control.js";
import { bookingRoutes } from "./routes-booking.js";
import { catalogueRoutes } from "./routes-catalogue.js";
import { clientsRoutes } from "./routes-clients.js";
import { marketplaceRoutes } from "./routes-marketplace.js";
import { recordsRoutes } from "./routes-records.js";
import { createState } from "./state.js";
import type { SandboxOptions, YClientsSandbox } from "./types.js";

export type { SalonOptions, SalonData, FakeRecord, FakeClient } from "./data.js";
export type {
  NewRecord, PartnerCallbackReceived, RecordChange, RecordPatch, RequestLogEntry, SandboxOptions, YClientsSandbox,
} from "./types.js";

export function createYClientsSandbox(options: SandboxOptions = {}): YClientsSandbox {
  const st = createState(options);
  const app = new Hono();
  gate(app, st);
  catalogueRoutes(app, st);
  clientsRoutes(app, st);
  recordsRoutes(app, st);
  bookingRoutes(app, st);
  const chat = mountChatRoutes(app, { applicationId: st.applicationId, clock: st.clock, installed: (id) => st.installs.get(id)?.status === "active" });
  marketplaceRoutes(app, st, chat);
  let sandbox: YClientsSandbox | undefined;
  const channel = mountChannelRoutes(app, {
    partnerToken: st.partnerToken, applicationId: st.applicationId, clock: st.clock, baseUrl: () => sandbox?.url ?? "http://yclients.sandbox",
  });
  sandbox = controlSurface(app, st, channel, chat);
  return sandbox;
}

export async function startYClientsSandbox(options: SandboxOptions & { port?: number } = {}): Promise<YClientsSandbox & { url: string }> {
  const sandbox = createYClientsSandbox(options);
  await sandbox.listen(options.port ?? 0);
  return sandbox as YClientsSandbox & { url: string };
}
