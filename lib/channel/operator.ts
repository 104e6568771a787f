/**
 * The operator endpoint's decision (url_operator of YClients' "SMS and chat-bots" module): who is asking, which
 * messages to take, and the answer, in one SQL call so YClients hears back at once; the send itself is a job, queued
 * in that same call when jobs wait in this database (the local dispatcher) and this process has seen the salon's key
 * before, else published right after it (QStash; a key seen for the first time).
 *
 * Which salon: the bearer is the salon's `api_key`, the key we hand YClients at install ("API-ключ для отправки
 * уведомлений"), found by its SHA-256 (so no comparison runs over the secret). The docs call the bearer
 * "partner_token"; if it is our partner token instead (compared in constant time), the salon must be named in the
 * body (`company_id`/`salon_id`, top level or in destination_params), and a body that names none is error 20.
 *
 * Answer: one element per message, `{id, ext_id}` or `{id, error_code, error_message}`; HTTP 200 when any message
 * was taken, else the status of the first error's code (5/10 → 400, 15 → 403, 20 → 401, 30 → 404). A message
 * already taken (YClients retrying) gets its first ext_id again and nothing is sent twice.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Services } from "../services.js";
import { acceptsWork } from "../salons/store.js";
import { channelJobFor } from "../jobs/channel.js";
import { OPERATOR_ERRORS, readOperatorRequest, redactForLog, type OperatorErrorCode, type OperatorMessage } from "./request.js";
import { offerChannelAd } from "./advertising.js";
import { requeueFinalStatus } from "./send.js";
import { channelStore, type NewChannelMessage } from "./store.js";

export type OperatorItem = { id: string | null; ext_id: string } | { id: string | null; error_code: OperatorErrorCode; error_message: string };

export interface OperatorAnswer {
  status: 200 | 400 | 401 | 403 | 404;
  body: OperatorItem[];
}

const HTTP_OF: Record<OperatorErrorCode, OperatorAnswer["status"]> = { 5: 400, 10: 400, 15: 403, 20: 401, 30: 404 };

const sha256 = (v: string) => createHash("sha256").update(v, "utf8").digest();

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

/** The bearer from `Authorization: Bearer <token>`, or null. */
export function bearerOf(header: string | undefined): string | null {
  const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return m ? m[1]! : null;
}

/**
 * Where delivery statuses may be posted: YClients' or Altegio's own hosts over https, or the origin of the
 * configured YClients API (the sandbox locally). Anything else would let a caller aim our partner token elsewhere.
 */
function callbackAllowed(url: string, yclientsBaseUrl: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.origin === new URL(yclientsBaseUrl).origin) return true;
  return u.protocol === "https:" && /(^|\.)(yclients\.com|alteg\.io)$/.test(u.hostname);
}

/**
 * Which salon a key (its SHA-256) was for, as this process last found it: the jobs of a request can then be built
 * before the one SQL call that finds the salon again (and queues them only if it is still that salon). Bounded; a
 * key hash is no secret.
 */
const salonOfKey = new Map<string, number>();
function rememberSalon(keySha256: string, salonId: number): void {
  if (salonOfKey.get(keySha256) === salonId) return;
  if (salonOfKey.size >= 10_000) salonOfKey.clear();
  salonOfKey.set(keySha256, salonId);
}

const refusal = (m: OperatorMessage, code: OperatorErrorCode, message: string): OperatorItem => ({ id: m.ycId, error_code: code, error_message: message });

/** How the caller is to be found: by its salon key, or (our partner token) by the salon the body names. */
function caller(s: Services, bearer: string | null, salonHint: number | null): { keySha256: string } | { salonId: number } | OperatorErrorCode {
  if (!bearer) return OPERATOR_ERRORS.badToken;
  const partner = s.config.yclients.partnerToken;
  if (partner && sameSecret(bearer, partner)) return salonHint === null ? OPERATOR_ERRORS.badToken : { salonId: salonHint };
  return { keySha256: sha256(bearer).toString("hex") };
}

export async function handleOperatorPost(s: Services, authorization: string | undefined, body: unknown): Promise<OperatorAnswer> {
  const req = readOperatorRequest(body);
  for (const raw of req.unknownShapes) {
    s.log.warn({ body: redactForLog(raw) }, "operator request with a destination_params shape we do not know");
  }
  const items = await decide(s, caller(s, bearerOf(authorization), req.salonHint), req.messages);
  items.push(...req.unknownShapes.map((): OperatorItem => ({
    id: null, error_code: OPERATOR_ERRORS.validationMissing, error_message: "destination_params: expected {id, phone}, a list of them, or {id: phone}",
  })));
  const firstError = items.find((i): i is Extract<OperatorItem, { error_code: number }> => "error_code" in i);
  const status = items.some((i) => "ext_id" in i) || !firstError ? 200 : HTTP_OF[firstError.error_code];
  return { status, body: items };
}

async function decide(s: Services, who: ReturnType<typeof caller>, messages: OperatorMessage[]): Promise<OperatorItem[]> {
  const all = (code: OperatorErrorCode, message: string) => {
    const items = messages.map((m) => refusal(m, code, message));
    return items.length ? items : [{ id: null, error_code: code, error_message: message }];
  };
  if (typeof who === "number") return all(who, "the token is not valid for any salon");
  const checked = messages.map((m) =>
    m.problem === null && m.callbackUrl !== null && !callbackAllowed(m.callbackUrl, s.config.yclients.baseUrl)
      ? { ...m, problem: { code: OPERATOR_ERRORS.validationInvalid, message: "delivery_callback_url is not a YClients address" } }
      : m,
  );
  const rows: NewChannelMessage[] = checked.filter((m) => m.problem === null).map((m) => ({
    yc_id: m.ycId!, phone: m.phone!, text: m.text, channel: m.channel, dispatch_type: m.dispatchType, callback_url: m.callbackUrl,
    state: "queued", error: null,
  }));
  // One round trip when jobs wait in this database and the salon is known: the jobs are queued with the rows.
  const queue = s.dispatcher.sameDatabase;
  const salonGuess = "salonId" in who ? who.salonId : (salonOfKey.get(who.keySha256) ?? null);
  const ads = new Map(rows.filter((r) => r.dispatch_type === "adds").map((r) => [r.yc_id, r]));
  const jobs = rows.map((r) => (queue && salonGuess !== null && !ads.has(r.yc_id) ? channelJobFor(salonGuess, r.yc_id, r.state) : null));
  const taken = await channelStore.accept(s.db, s.clock, who, rows.map((r, i) => ({ ...r, job: jobs[i] ? queue!.row(jobs[i]) : null })), salonGuess);
  if (!taken.salon) {
    return "salonId" in who ? all(OPERATOR_ERRORS.notFound, "no salon with this id uses this application") : all(OPERATOR_ERRORS.badToken, "the token is not valid for any salon");
  }
  if (!acceptsWork(taken.salon, "send")) return all(OPERATOR_ERRORS.forbidden, `the salon is ${taken.salon.status}`);
  const salonId = taken.salon.salon_id;
  if ("keySha256" in who) rememberSalon(who.keySha256, salonId);
  const byId = new Map(taken.messages.map((t) => [t.yc_id, t]));
  // Published for every queued row, not only new ones: a POST retried after a crash before its publish heals here,
  // and the deduplication ids make a repeat a no-op; so does a failed row's final status (a crash between an ad's
  // refusal at the offer and its 16). The send job posts "passed to operator" (8) itself.
  // Advertising goes through the proactive-message policy (lib/channel/advertising.ts), never straight out.
  await Promise.all(taken.messages.map((t, i) => {
    const ad = ads.get(t.yc_id);
    if (t.state === "queued" && ad) return offerChannelAd(s, salonId, { ycId: t.yc_id, phone: ad.phone, text: ad.text });
    if (t.state === "failed") return requeueFinalStatus(s, salonId, t.yc_id);
    if (t.job_queued) return queue!.queued(jobs[i]!);
    const job = channelJobFor(salonId, t.yc_id, t.state);
    return job ? s.dispatcher.publish(job) : null;
  }));
  return checked.map((m) => (m.problem ? refusal(m, m.problem.code, m.problem.message) : { id: m.ycId, ext_id: byId.get(m.ycId!)!.ext_id }));
}
