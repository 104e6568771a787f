/**
 * The client's confirmation of a change that went through, written by our code from the tool's own result: the
 * same facts the model would restate, one model round trip sooner, and never a claim no tool backs (only a call
 * that succeeded is confirmed).
 */
import type { ToolCallRecord } from "./tool-call.js";

type Result = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v : null);

const CONFIRMS: Record<string, (r: Result) => string> = {
  create_booking: (r) =>
    [
      `Записала вас: ${r.service}, ${r.date_human} в ${r.time}, мастер ${r.staff_name}.`,
      str(r.price) && `Стоимость: ${r.price}.`,
      str(r.address) && `Адрес: ${r.address}.`,
      "Ждём вас!",
    ].filter(Boolean).join(" "),
  cancel_visit: (r) => {
    const services = Array.isArray(r.services) ? r.services.filter((s): s is string => typeof s === "string") : [];
    return `Отменила вашу запись на ${r.date_human} в ${r.time}${services.length > 0 ? ` (${services.join(", ")})` : ""}. Будем рады видеть вас снова!`;
  },
  reschedule_visit: (r) => `Перенесла вашу запись на ${r.date_human} в ${r.time}${str(r.staff_name) ? `, мастер ${r.staff_name}` : ""}. Ждём вас!`,
};

/** One line per successful change among the calls, in order. */
export function confirmations(calls: ToolCallRecord[]): string[] {
  return calls.filter((c) => c.ok && CONFIRMS[c.name]).map((c) => CONFIRMS[c.name]!(c.result));
}

/**
 * The reply that ends the turn without another model call, when a round of tool calls was nothing but changes that
 * all went through; null otherwise (a refusal or a look-up goes back to the model, which must explain or offer).
 */
export function confirmationReply(round: ToolCallRecord[], greeting: string | null): string[] | null {
  if (round.length === 0 || !round.every((c) => c.ok && CONFIRMS[c.name])) return null;
  const parts = confirmations(round);
  return greeting ? parts.map((p, i) => (i === 0 ? `${greeting} ${p}` : p)) : parts;
}
