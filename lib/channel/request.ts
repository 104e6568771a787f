/**
 * Reading what YClients posts to url_operator. The docs name the fields (`destination_params`, `from`, `text`,
 * `channel`, `dispatch_type`, `delivery_callback_url`) but publish no sample of `destination_params` beyond
 * "the message id(s) and the phone number" (shared/reference/peer-products.md §2.2), so every shape seen in the docs
 * and peers is read:
 *   {id, phone}                    one message (id also as message_id / sms_id; phone as number / phone_number / to)
 *   [{id, phone}, …]               several messages with one text
 *   {id: [ids…], phone}            several ids for one phone
 *   {"<id>": "<phone>", …}         a map of ids to phones
 * and the body itself may be one request or an array of them (a batch). A request none of these fit is "unknown":
 * its raw body is logged (`redactForLog`) and it is answered error 5.
 */
import { normalisePhone } from "../phone/index.js";

/** YClients' error codes in the operator answer. */
export const OPERATOR_ERRORS = {
  validationMissing: 5,
  validationInvalid: 10,
  forbidden: 15,
  badToken: 20,
  notFound: 30,
} as const;

export type OperatorErrorCode = (typeof OPERATOR_ERRORS)[keyof typeof OPERATOR_ERRORS];

export interface OperatorMessage {
  /** YClients' id of the message, as a string; null when the request named none. */
  ycId: string | null;
  phone: string | null;
  text: string;
  channel: string;
  dispatchType: "service" | "adds";
  callbackUrl: string | null;
  problem: { code: OperatorErrorCode; message: string } | null;
}

export interface OperatorRequest {
  messages: OperatorMessage[];
  /** Requests whose destination_params fit no known shape (their raw body is worth a log line). */
  unknownShapes: unknown[];
  /** A salon named in the body (company_id / salon_id, top level or in destination_params), for the partner-token path. */
  salonHint: number | null;
}

const ID_KEYS = ["id", "message_id", "sms_id"];
const PHONE_KEYS = ["phone", "number", "phone_number", "to"];
const YC_ID = /^[A-Za-z0-9._-]{1,64}$/;
const MAX_TEXT = 4096;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const scalar = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v.trim() : typeof v === "number" && Number.isFinite(v) ? String(v) : null);
const first = (o: Obj, keys: string[]): unknown => keys.map((k) => o[k]).find((v) => v !== undefined && v !== null);

/** The (id, phone) pairs of one destination_params, or null when its shape is unknown. */
function destinations(dp: unknown): Array<{ id: string | null; phone: string | null }> | null {
  if (Array.isArray(dp)) {
    const out = dp.map((d) => (isObj(d) ? { id: scalar(first(d, ID_KEYS)), phone: scalar(first(d, PHONE_KEYS)) } : null));
    return out.length > 0 && out.every((x) => x !== null && (x.id !== null || x.phone !== null)) ? (out as Array<{ id: string | null; phone: string | null }>) : null;
  }
  if (!isObj(dp)) return null;
  const id = first(dp, ID_KEYS);
  const phone = scalar(first(dp, PHONE_KEYS));
  if (Array.isArray(id)) return id.length > 0 ? id.map((x) => ({ id: scalar(x), phone })) : null;
  if (id !== undefined || phone !== null) return [{ id: scalar(id), phone }];
  const entries = Object.entries(dp);
  if (entries.length > 0 && entries.every(([k, v]) => /^[0-9]{1,20}$/.test(k) && scalar(v) !== null)) {
    return entries.map(([k, v]) => ({ id: k, phone: scalar(v) }));
  }
  return null;
}

function salonOf(o: Obj): number | null {
  const dp = isObj(o.destination_params) ? o.destination_params : {};
  const v = Number(first(o, ["company_id", "salon_id"]) ?? first(dp, ["company_id", "salon_id"]));
  return Number.isSafeInteger(v) && v > 0 ? v : null;
}

function check(m: Omit<OperatorMessage, "problem">, rawText: unknown, rawChannel: unknown, rawDispatch: unknown): OperatorMessage["problem"] {
  const { validationMissing: missing, validationInvalid: invalid } = OPERATOR_ERRORS;
  if (m.ycId === null) return { code: missing, message: "destination_params names no message id" };
  if (!YC_ID.test(m.ycId)) return { code: invalid, message: "message id is not 1–64 letters, digits, dots, dashes or underscores" };
  if (m.phone === null) return { code: missing, message: "destination_params names no phone" };
  if (rawText === undefined || rawText === null || rawText === "") return { code: missing, message: "text is required" };
  if (typeof rawText !== "string" || rawText.length > MAX_TEXT) return { code: invalid, message: `text must be a string of at most ${MAX_TEXT} characters` };
  if (rawChannel !== undefined && rawChannel !== null && !["whatsapp", "sms"].includes(String(rawChannel))) {
    return { code: invalid, message: "this operator carries the whatsapp channel (or sms routed to it) only" };
  }
  if (rawDispatch !== undefined && rawDispatch !== null && !["service", "adds"].includes(String(rawDispatch))) {
    return { code: invalid, message: "dispatch_type must be service or adds" };
  }
  return null;
}

/** Reads one body (object or batch array). Never throws; what cannot be read is a message with a problem. */
export function readOperatorRequest(body: unknown): OperatorRequest {
  const requests = Array.isArray(body) ? body : [body];
  const out: OperatorRequest = { messages: [], unknownShapes: [], salonHint: null };
  for (const r of requests) {
    if (!isObj(r)) {
      out.unknownShapes.push(r);
      continue;
    }
    out.salonHint ??= salonOf(r);
    const dests = destinations(r.destination_params);
    if (!dests) {
      out.unknownShapes.push(r);
      continue;
    }
    const channelRaw = r.channel ?? r.type;
    for (const d of dests) {
      const base = {
        ycId: d.id,
        // YClients hands the operator full international numbers; a bare local one is read as the fallback country.
        phone: d.phone === null ? null : normalisePhone(d.phone, null),
        text: typeof r.text === "string" ? r.text : "",
        channel: typeof channelRaw === "string" ? channelRaw : "whatsapp",
        dispatchType: r.dispatch_type === "adds" ? ("adds" as const) : ("service" as const),
        callbackUrl: typeof r.delivery_callback_url === "string" && r.delivery_callback_url !== "" ? r.delivery_callback_url : null,
      };
      const problem = d.phone !== null && base.phone === null
        ? { code: OPERATOR_ERRORS.validationInvalid, message: "phone is not a phone number" }
        : check(base, r.text, channelRaw, r.dispatch_type);
      out.messages.push({ ...base, problem });
    }
  }
  return out;
}

/**
 * A body fit for a log line: the callback URL loses its path (it ends in the partner token), texts become their
 * length (they are the clients' messages); the rest, destination_params above all, stays as YClients sent it.
 */
export function redactForLog(r: unknown): unknown {
  if (!isObj(r)) return r;
  const out: Obj = { ...r };
  if (typeof out.delivery_callback_url === "string") {
    try {
      out.delivery_callback_url = `${new URL(out.delivery_callback_url).origin}/…`;
    } catch {
      out.delivery_callback_url = "(not a URL)";
    }
  }
  if (typeof out.text === "string") out.text = `(${out.text.length} characters)`;
  return out;
}
