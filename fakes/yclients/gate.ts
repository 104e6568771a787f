/** What every request passes first: the request log, latency, rate limit, partner and user tokens, forced failures. */
import type { Hono } from "hono";
import type { SandboxState } from "./state.js";
import type { RequestLogEntry } from "./types.js";
import { MSG, YcHttpError } from "./wire.js";

const USER_PATHS = /^\/api\/v1\/(records|record|company_users|clients|company\/\d+\/(clients|services|staff|service_categories)|book_record\/\d+\/\d+)/;
const SALON_IN_PATH = /^\/(?:api\/v1\/(?:company|company_users|records|record|book_services|book_staff|book_dates|book_times|book_check|book_record|schedule)|marketplace\/salon)\/(\d+)/;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function gate(app: Hono, st: SandboxState): void {
  app.use("*", async (c, next) => {
    const path = c.req.path;
    const m = SALON_IN_PATH.exec(path);
    let salonId = m ? Number(m[1]) : null;
    if (salonId === null && /^\/marketplace\/(partner|application)\//.test(path) && c.req.method === "POST") {
      // Partner calls name the salon in the body; Hono keeps the text for the handler to read again.
      try {
        const v = Number((JSON.parse(await c.req.text()) as { salon_id?: unknown }).salon_id);
        if (Number.isSafeInteger(v) && v > 0) salonId = v;
      } catch {
        // The handler answers the malformed body.
      }
    }
    const entry: RequestLogEntry = {
      method: c.req.method, path, salonId, status: 0, authorization: c.req.header("authorization") ?? null,
      accept: c.req.header("accept") ?? null, partnerId: c.req.header("x-partner-id") ?? null, at: performance.now(),
    };
    st.requests.push(entry);
    if (st.requests.length > 20_000) st.requests.splice(0, st.requests.length - 20_000);
    const limited = st.overLimit();
    if (st.latencyMs > 0) await sleep(st.latencyMs);
    const fail = (status: number, message: string) => c.json({ success: false, data: null, meta: { message } }, status as 400);
    if (limited) {
      entry.status = 429;
      return fail(429, MSG.rate);
    }
    const auth = /^\s*Bearer\s+([^\s,]+)\s*(?:,\s*User\s+(\S+))?\s*$/i.exec(entry.authorization ?? "");
    if (!auth || auth[1] !== st.partnerToken) {
      entry.status = 401;
      return fail(401, MSG.auth);
    }
    if (st.options.userToken && USER_PATHS.test(path) && auth[2] !== st.options.userToken) {
      entry.status = auth[2] ? 403 : 401;
      return fail(entry.status, auth[2] ? MSG.rights : MSG.auth);
    }
    const forced = st.failureFor(salonId, path);
    if (forced !== null) {
      entry.status = forced;
      return fail(forced, forced === 403 ? MSG.rights : forced === 429 ? MSG.rate : forced === 404 ? "Филиал не найден." : MSG.server);
    }
    await next();
    entry.status = c.res.status;
  });

  app.onError((err, c) => {
    if (err instanceof YcHttpError) {
      return c.json({ success: false, data: null, meta: { message: err.message, ...(err.errors ? { errors: err.errors } : {}) } }, err.status as 400);
    }
    return c.json({ success: false, data: null, meta: { message: MSG.server } }, 500);
  });
  app.notFound((c) => c.json({ success: false, data: null, meta: { message: MSG.notFound } }, 404));
}
