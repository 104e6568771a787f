/**
 * Builds the assistant's dependencies from the functions' Services: the model from config.gemini (none without a
 * key), YClients from services.yclients, and the booking monitor's notes for records the assistant changes.
 * Options default for production; tests and the bench shorten them per Services instance with `configureAssistant`.
 */
import type { Services } from "../services.js";
import { noteRecordChangedByAssistant, noteRecordCreatedByAssistant } from "../bookings/process-records.js";
import { createGeminiModel, type Model, type ModelStatus } from "./model.js";
import type { AssistantDeps } from "./respond.js";

export interface AssistantOptions {
  /** Per model call; the client is waiting, and a job has its own time limit. */
  modelTimeoutMs: number;
  /** How long a running turn is left to its delivery before a redelivery takes it over. */
  leaseSec: number;
}

export const DEFAULT_ASSISTANT_OPTIONS: AssistantOptions = { modelTimeoutMs: 25_000, leaseSec: 120 };

const options = new WeakMap<Services, Partial<AssistantOptions>>();
const models = new WeakMap<Services, Model | null>();

export function configureAssistant(s: Services, o: Partial<AssistantOptions>): void {
  options.set(s, { ...options.get(s), ...o });
  models.delete(s);
}

export function assistantOptions(s: Services): AssistantOptions {
  return { ...DEFAULT_ASSISTANT_OPTIONS, ...options.get(s) };
}

function modelFor(s: Services): Model | null {
  if (!models.has(s)) {
    const g = s.config.gemini;
    models.set(s, g ? createGeminiModel(g, { timeoutMs: assistantOptions(s).modelTimeoutMs, log: s.log.child({ part: "gemini" }) }) : null);
  }
  return models.get(s)!;
}

/** The model's state as this process has seen it (null: no GEMINI_API_KEY, the assistant is off). */
export function assistantModelStatus(s: Services): ModelStatus | null {
  return modelFor(s)?.status() ?? null;
}

export function assistantDeps(s: Services): AssistantDeps {
  return {
    db: s.db,
    clock: s.clock,
    log: s.log,
    gateway: s.gateway,
    dispatcher: s.dispatcher,
    yclients: s.yclients,
    model: modelFor(s),
    leaseSec: assistantOptions(s).leaseSec,
    records: {
      created: (salonId, record) => noteRecordCreatedByAssistant(s, salonId, record),
      changed: (salonId, record) => noteRecordChangedByAssistant(s, salonId, record),
    },
  };
}
