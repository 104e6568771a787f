/**
 * The language model behind the assistant: Gemini through `@google/generative-ai`, with function calling. The base URL
 * comes from config (the fake in tests), every call has a timeout, and failures come out as one `ModelError` with a
 * kind the turn can act on. Tools and JSON response mode are never combined: the API rejects that pairing.
 *
 * `GEMINI_MODEL` is a list tried in order: a model Google reports gone (404, or its "no longer available" words) is
 * skipped for the rest of the process, logged once, and shown by `status()` for /health. The SDK is past its end of
 * support but sends request bodies and returns response parts untouched, so thought signatures and `thinkingConfig`
 * pass through it; only its types lack those fields.
 */
import {
  FunctionCallingMode,
  GoogleGenerativeAI,
  GoogleGenerativeAIAbortError,
  GoogleGenerativeAIFetchError,
  type Content,
  type FunctionDeclaration,
  type GenerationConfig,
  type Part,
} from "@google/generative-ai";
import type { Logger } from "../log.js";

export type { Content, FunctionDeclaration, Part };

export interface ModelCall {
  name: string;
  args: Record<string, unknown>;
}

export interface ModelAnswer {
  text: string;
  calls: ModelCall[];
  /** The model's parts exactly as returned (thought signatures, thoughts and all), for the next round of the turn. */
  parts: Part[];
}

export class ModelError extends Error {
  constructor(
    readonly kind: "timeout" | "http" | "blocked" | "empty" | "network" | "retired",
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = "ModelError";
  }
}

/** What /health shows: the models configured, the one answering now, and those found gone or rerouted. */
export interface ModelStatus {
  models: string[];
  active: string | null;
  retired: Array<{ model: string; reason: string }>;
  rerouted: Array<{ model: string; answeredBy: string }>;
}

export interface Model {
  /** The model answering now (the first of the list not found retired). */
  readonly name: string;
  generate(req: { system: string; contents: Content[]; tools: FunctionDeclaration[] }): Promise<ModelAnswer>;
  status(): ModelStatus;
}

/** Room for a short WhatsApp reply after the thinking, which counts against the same limit. */
export const OUTPUT_LIMIT = 4096;
/** The one retry of an answer the limit cut off before any text. */
export const RETRY_OUTPUT_LIMIT = 16384;

/** `GEMINI_MODEL` as a list: comma-separated, blanks dropped, order kept. */
export function modelList(setting: string): string[] {
  return setting.split(",").map((m) => m.trim()).filter((m) => m !== "");
}

type Generation = GenerationConfig & { thinkingConfig?: { thinkingLevel?: string; thinkingBudget?: number } };

/**
 * Settings per model family. Gemini 3 and later: a low thinking level (a chat, not a proof) and no temperature, as
 * Google advises (below 1.0 it can loop; newer models deprecate it). Gemini 2.5: a thinking budget instead (Pro
 * cannot go below 128), and the temperature we had. Older models do not think.
 */
export function generationFor(model: string, maxOutputTokens: number): Generation {
  const m = /^(?:models\/)?gemini-(\d+)(?:\.(\d+))?/.exec(model);
  const major = m ? Number(m[1]) : Infinity;
  if (major >= 3) return { maxOutputTokens, thinkingConfig: { thinkingLevel: "low" } };
  if (major === 2 && m?.[2] === "5") {
    return { maxOutputTokens, temperature: 0.3, thinkingConfig: { thinkingBudget: model.includes("-pro") ? 128 : 0 } };
  }
  return { maxOutputTokens, temperature: 0.3 };
}

/** Google's answers for a model that is gone: 404 NOT_FOUND, or its wording on another 4xx. */
function isRetired(err: unknown): boolean {
  if (!(err instanceof GoogleGenerativeAIFetchError)) return false;
  if (err.status === 404) return true;
  return (err.status ?? 0) >= 400 && (err.status ?? 0) < 500 && /no longer available|has been (?:retired|shut ?down|deprecated)|is not found for API version/i.test(err.message);
}

/** The same model: the name asked for, or a pinned version of it (`gemini-x-flash-001`). */
function sameModel(asked: string, version: string): boolean {
  const a = asked.replace(/^models\//, "");
  const v = version.replace(/^models\//, "");
  return v === a || (v.startsWith(`${a}-`) && /^\d+$/.test(v.slice(a.length + 1)));
}

export function createGeminiModel(
  cfg: { apiKey: string; model: string; baseUrl?: string },
  opts: { timeoutMs: number; log?: Logger },
): Model {
  const genAI = new GoogleGenerativeAI(cfg.apiKey);
  const requestOptions = { timeout: opts.timeoutMs, ...(cfg.baseUrl ? { baseUrl: cfg.baseUrl } : {}) };
  const models = modelList(cfg.model);
  const retired = new Map<string, string>();
  const rerouted = new Map<string, string>();
  const active = () => models.find((m) => !retired.has(m)) ?? null;

  async function call(model: string, req: { system: string; contents: Content[]; tools: FunctionDeclaration[] }, limit: number) {
    const { system, contents, tools } = req;
    const generative = genAI.getGenerativeModel(
      {
        model,
        systemInstruction: system,
        tools: tools.length > 0 ? [{ functionDeclarations: tools }] : undefined,
        toolConfig: tools.length > 0 ? { functionCallingConfig: { mode: FunctionCallingMode.AUTO } } : undefined,
        // A silent reroute answers by the target's rules, so settings follow the model that actually answers.
        generationConfig: generationFor(rerouted.get(model) ?? model, limit),
      },
      requestOptions,
    );
    const response = (await generative.generateContent({ contents })).response;
    const version = (response as { modelVersion?: string }).modelVersion;
    if (version && !sameModel(model, version) && !rerouted.has(model)) {
      rerouted.set(model, version);
      opts.log?.warn({ model, answeredBy: version }, `Gemini answered ${model} with ${version}: the model was rerouted; set GEMINI_MODEL to a current model`);
    }
    if (response.promptFeedback?.blockReason) {
      throw new ModelError("blocked", `prompt blocked: ${response.promptFeedback.blockReason}`);
    }
    const candidate = response.candidates?.[0];
    const parts = candidate?.content?.parts ?? [];
    const calls = parts
      .filter((p) => p.functionCall)
      .map((p) => ({ name: p.functionCall!.name, args: (p.functionCall!.args ?? {}) as Record<string, unknown> }));
    const text = parts
      .filter((p) => typeof p.text === "string" && !(p as { thought?: boolean }).thought)
      .map((p) => p.text)
      .join("")
      .trim();
    return { answer: { text, calls, parts }, finish: candidate?.finishReason ?? "none" };
  }

  async function generateWith(model: string, req: { system: string; contents: Content[]; tools: FunctionDeclaration[] }): Promise<ModelAnswer> {
    let { answer, finish } = await call(model, req, OUTPUT_LIMIT);
    const empty = () => answer.calls.length === 0 && answer.text === "";
    // Thinking spent the whole limit before any answer: once more with room, then it is a failure.
    if (empty() && finish === "MAX_TOKENS") ({ answer, finish } = await call(model, req, RETRY_OUTPUT_LIMIT));
    if (empty()) throw new ModelError("empty", `model returned nothing (finish ${finish})`);
    return answer;
  }

  return {
    get name() {
      return active() ?? models[models.length - 1] ?? "";
    },
    async generate(req) {
      for (;;) {
        const model = active();
        if (!model) throw new ModelError("retired", `every configured model is gone: ${models.join(", ")}`, 404);
        try {
          return await generateWith(model, req);
        } catch (err) {
          if (!isRetired(err)) throw toModelError(err);
          const reason = (err as GoogleGenerativeAIFetchError).message.replace(/^Error fetching from \S+ /, "");
          retired.set(model, reason);
          const next = active();
          opts.log?.error(
            { model, next, reason },
            `Gemini model ${model} is retired or not found; ${next ? `using ${next}` : "no model left: the assistant hands every chat over"}. Set GEMINI_MODEL to a current model`,
          );
        }
      }
    },
    status() {
      return {
        models,
        active: active(),
        retired: [...retired].map(([model, reason]) => ({ model, reason })),
        rerouted: [...rerouted].map(([model, answeredBy]) => ({ model, answeredBy })),
      };
    },
  };
}

function toModelError(err: unknown): ModelError {
  if (err instanceof ModelError) return err;
  if (err instanceof GoogleGenerativeAIAbortError) return new ModelError("timeout", "model did not answer in time");
  if (err instanceof GoogleGenerativeAIFetchError) return new ModelError("http", err.message, err.status ?? null);
  const e = err as Error;
  if (e?.name === "AbortError" || e?.name === "TimeoutError") return new ModelError("timeout", "model did not answer in time");
  return new ModelError("network", e?.message ?? String(err));
}
