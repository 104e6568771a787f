/**
 * What the model may ask our code to do. Each tool's arguments are validated here (the model's JSON is a proposal,
 * not a command) and each is executed by our code against the synced data or YClients, under rules the model cannot
 * talk its way around (see booking-tools.ts); a change that succeeded is kept at once so a retried turn never makes
 * it twice.
 */
import { z } from "zod";
import { YClientsError, YClientsNetworkError } from "../yclients/errors.js";
import { BOOKING_TOOLS } from "./booking-tools.js";
import { CATALOGUE_TOOLS } from "./catalogue-tools.js";
import { REMEMBER_PHONE } from "./phone-tools.js";
import { optOut } from "../outreach/opt-out.js";
import { RECORD_RATING } from "./rating-tools.js";
import { keepToolCall, type SalonContext } from "./store.js";
import type { ToolCallRecord } from "./tool-call.js";
import { declaration } from "./tool-declarations.js";
import { fail, slotKey, tool, type Tool, type ToolResult, type ToolState } from "./tool-kit.js";

export type { ToolCallRecord } from "./tool-call.js";
export type { BookingApi, RecordNotes, ToolState } from "./tool-kit.js";

const HANDOVER = tool({
  name: "handover",
  description:
    "Передать разговор живому администратору: клиент просит человека, жалоба, вопрос вне записи и услуг, или не получается помочь.",
  schema: z.object({ reason: z.string().trim().min(1).max(300) }),
  async run(state, { reason }) {
    state.handover = { reason };
    return { ok: true, handed_over: true, note: "Скажи клиенту, что ответит администратор салона" };
  },
});

/** Stop means stop, in the client's own words: "хватит мне спамить" reaches here, "стоп" the inbound flow's match. */
const OPT_OUT = tool({
  name: "opt_out",
  description:
    "Клиент не хочет, чтобы салон писал ему первым (рассылки, поздравления, напоминания «давно не были», просьбы об отзыве, реклама): отписать его. Сообщения о его записях продолжат приходить.",
  schema: z.object({}),
  async run(state) {
    await optOut(state, state.salonId, state.phone, "assistant");
    return { ok: true, opted_out: true, note: "Коротко подтверди клиенту: больше не будем писать первыми, сообщения о записях придут как прежде" };
  },
});

/** Every tool, once; the order is the order the model reads them. */
const TOOLS: ReadonlyMap<string, Tool> = new Map([...CATALOGUE_TOOLS, ...BOOKING_TOOLS, REMEMBER_PHONE, RECORD_RATING, HANDOVER, OPT_OUT].map((t) => [t.name, t]));

export const TOOL_DECLARATIONS = [...TOOLS.values()].map(declaration);

export function initialShown(ctx: SalonContext): Set<string> {
  const shown = new Set<string>();
  for (const c of ctx.recent_tool_calls ?? []) collectShown(c, shown);
  return shown;
}

function collectShown(c: ToolCallRecord, into: Set<string>): void {
  const r = c.result as { options?: Array<{ staff_id: number; date: string; times: string[] }>; alternatives?: Array<{ staff_id: number; date: string; time: string }> };
  for (const o of r.options ?? []) for (const t of o.times) into.add(slotKey(o.staff_id, o.date, t));
  for (const a of r.alternatives ?? []) into.add(slotKey(a.staff_id, a.date, a.time));
}

/** Runs one tool call; never throws for a refusal — the model gets the refusal as the result and answers honestly. */
export async function runTool(state: ToolState, name: string, rawArgs: Record<string, unknown>): Promise<ToolCallRecord> {
  const started = performance.now();
  const ycBefore = state.yclientsMs;
  let result: ToolResult;
  let args: Record<string, unknown> = rawArgs;
  const t = TOOLS.get(name);
  if (!t) {
    result = fail("unknown_tool", `Нет инструмента ${name}`);
  } else {
    const parsed = t.schema.safeParse(rawArgs ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      result = fail("invalid_arguments", `${issue?.path.join(".") || "args"}: ${issue?.message ?? "invalid"}`);
    } else {
      args = parsed.data as Record<string, unknown>;
      const prior = t.changes ? findPrior(state, name, args) : undefined;
      if (prior) {
        result = prior.result;
      } else {
        try {
          result = await t.run(state, args);
        } catch (err) {
          result = yclientsFailure(err);
        }
      }
    }
  }
  const record: ToolCallRecord = {
    name,
    args,
    ok: result.ok !== false,
    result,
    ms: Math.round(performance.now() - started - (state.yclientsMs - ycBefore)),
  };
  state.calls.push(record);
  collectShown(record, state.shown);
  if (t?.changes && record.ok && !findPrior(state, name, args, state.priorCalls)) {
    await keepToolCall(state.db, state.turnId, record);
  }
  return record;
}

function findPrior(state: ToolState, name: string, args: Record<string, unknown>, list = state.priorCalls): ToolCallRecord | undefined {
  const key = JSON.stringify(args);
  return list.find((c) => c.name === name && c.ok && JSON.stringify(c.args) === key);
}

function yclientsFailure(err: unknown): ToolResult {
  if (err instanceof YClientsError) {
    return fail("yclients_refused", err.message || `YClients ответил ${err.status}`, { status: err.status, code: err.code });
  }
  if (err instanceof YClientsNetworkError) return fail("yclients_unavailable", "YClients сейчас не отвечает");
  throw err;
}
