/**
 * The language model behind the assistant: Gemini through `@google/generative-ai`, with function calling. The base URL
 * comes from config (the fake in tests), every call has a timeout, and failures come out as one `ModelError` with a
 * kind the turn can act on. Tools and JSON response mode are never combined: the API rejects that pairing.
 */
import {
  FunctionCallingMode,
  GoogleGenerativeAI,
  GoogleGenerativeAIAbortError,
  GoogleGenerativeAIFetchError,
  type Content,
  type FunctionDeclaration,
  type Part,
} from "@google/generative-ai";

export type { Content, FunctionDeclaration, Part };

export interface ModelCall {
  name: string;
  args: Record<string, unknown>;
}

export interface ModelAnswer {
  text: string;
  calls: ModelCall[];
  /** The model's parts as returned, to put back into the conversation for the next round. */
  parts: Part[];
}

export class ModelError extends Error {
  constructor(
    readonly kind: "timeout" | "http" | "blocked" | "empty" | "network",
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = "ModelError";
  }
}

export interface Model {
  readonly name: string;
  generate(req: { system: string; contents: Content[]; tools: FunctionDeclaration[] }): Promise<ModelAnswer>;
}

export function createGeminiModel(cfg: { apiKey: string; model: string; baseUrl?: string }, opts: { timeoutMs: number }): Model {
  const genAI = new GoogleGenerativeAI(cfg.apiKey);
  const requestOptions = { timeout: opts.timeoutMs, ...(cfg.baseUrl ? { baseUrl: cfg.baseUrl } : {}) };
  return {
    name: cfg.model,
    async generate({ system, contents, tools }) {
      const model = genAI.getGenerativeModel(
        {
          model: cfg.model,
          systemInstruction: system,
          tools: tools.length > 0 ? [{ functionDeclarations: tools }] : undefined,
          toolConfig: tools.length > 0 ? { functionCallingConfig: { mode: FunctionCallingMode.AUTO } } : undefined,
          generationConfig: { temperature: 0.3, maxOutputTokens: 1024 },
        },
        requestOptions,
      );
      let result;
      try {
        result = await model.generateContent({ contents });
      } catch (err) {
        throw toModelError(err);
      }
      const response = result.response;
      if (response.promptFeedback?.blockReason) {
        throw new ModelError("blocked", `prompt blocked: ${response.promptFeedback.blockReason}`);
      }
      const parts = response.candidates?.[0]?.content?.parts ?? [];
      const calls = parts
        .filter((p) => p.functionCall)
        .map((p) => ({ name: p.functionCall!.name, args: (p.functionCall!.args ?? {}) as Record<string, unknown> }));
      const text = parts
        .filter((p) => typeof p.text === "string" && !(p as { thought?: boolean }).thought)
        .map((p) => p.text)
        .join("")
        .trim();
      if (calls.length === 0 && text === "") throw new ModelError("empty", `model returned nothing (finish ${response.candidates?.[0]?.finishReason ?? "none"})`);
      return { text, calls, parts };
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
