/**
 * A stand-in for the Gemini API that speaks `POST /v1beta/models/{model}:generateContent` as the REST API does, so the
 * real `@google/generative-ai` SDK runs against it. Each test scripts what the model "says": text, function calls,
 * an API error, or a reply that arrives too late. Every request is kept so a test can read what the model was shown.
 *
 * It holds our code to Gemini 3's rules (`strict`, on unless a test turns it off): the first function call of each
 * answer carries a `thoughtSignature`, and a later request of the same turn that drops it or changes the answer it
 * came with gets Google's 400. It can also play a retired model (404) or a silent reroute (another `modelVersion`).
 */
import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";

export interface FunctionCallPart {
  name: string;
  args: Record<string, unknown>;
}

/** What the model answers to one generateContent call. */
export type GeminiStep =
  | { text: string; thought?: string; delayMs?: number }
  | { calls: FunctionCallPart[]; text?: string; thought?: string; delayMs?: number }
  /** The output limit ran out (thinking counts against it): finish MAX_TOKENS, with whatever text got out. */
  | { maxTokens: true; text?: string; delayMs?: number }
  | { error: { code: number; status: string; message: string }; delayMs?: number }
  /** No candidates: the prompt was blocked. */
  | { blocked: string; delayMs?: number };

export interface GeminiRequest {
  model: string;
  apiKey: string | undefined;
  body: GenerateContentBody;
}

export interface GenerateContentBody {
  contents: Array<{ role: string; parts: Array<Record<string, unknown>> }>;
  systemInstruction?: { role?: string; parts: Array<{ text?: string }> };
  tools?: Array<{ functionDeclarations?: Array<{ name: string; description?: string; parameters?: unknown }> }>;
  toolConfig?: unknown;
  generationConfig?: { responseMimeType?: string; [k: string]: unknown };
}

/** A script entry: a fixed step, or one computed from the request (for example from the tool results it carries). */
export type ScriptEntry = GeminiStep | ((req: GeminiRequest) => GeminiStep);

/** A request the fake refused before any script step was spent on it. */
export interface GeminiRejection {
  model: string;
  code: number;
  message: string;
}

export interface GeminiFake {
  url: string;
  /** Requests in arrival order (those refused are in `rejected` instead). */
  requests: GeminiRequest[];
  rejected: GeminiRejection[];
  /** Enforce thought signatures as Gemini 3 does. On by default. */
  strict: boolean;
  /** Model names answered with Google's 404 for a model that is gone. */
  retired: string[];
  /** Model name → the `modelVersion` the answer claims (a silent reroute). */
  reroutes: Record<string, string>;
  /** Replaces the script for one chat (the client's phone as it appears in the system instruction), or for all. */
  script(entries: ScriptEntry[], opts?: { forPhone?: string }): void;
  /** Steps not yet consumed. */
  pending(forPhone?: string): number;
  /** Fixed latency added to every answer (bench). */
  latencyMs: number;
  close(): Promise<void>;
}

function errorJson(code: number, status: string, message: string) {
  return { error: { code, message, status } };
}

/** Google's words, so our code and tests meet the messages the real API sends. */
export const GEMINI_MESSAGES = {
  retired: (model: string) =>
    `This model models/${model} is no longer available to new users. Please update your code to use a newer model for the latest features and improvements.`,
  missingSignature: (name: string, position: number) =>
    `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${name}\` , position ${position}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`,
  corruptedSignature: "Corrupted thought signature.",
};

type Parts = Array<Record<string, unknown>>;

/**
 * Gemini checks signatures only in the current turn: the model contents after the last user message that carries
 * text (function responses do not start a turn). Each answer's first function call must bring back its signature,
 * and the answer must come back as it was given. Null when the request passes.
 */
function signatureProblem(body: GenerateContentBody, issued: Map<string, string>): string | null {
  const contents = body.contents;
  let start = -1;
  contents.forEach((c, i) => {
    if (c.role === "user" && (c.parts ?? []).some((p) => typeof p.text === "string")) start = i;
  });
  for (let i = start + 1; i < contents.length; i++) {
    const c = contents[i]!;
    if (c.role !== "model") continue;
    const first = (c.parts ?? []).find((p) => p.functionCall);
    if (!first) continue;
    const sig = first.thoughtSignature;
    if (typeof sig !== "string" || sig === "") return GEMINI_MESSAGES.missingSignature((first.functionCall as { name: string }).name, i + 1);
    if (issued.get(sig) !== JSON.stringify(c.parts)) return GEMINI_MESSAGES.corruptedSignature;
  }
  return null;
}

function systemText(body: GenerateContentBody): string {
  return (body.systemInstruction?.parts ?? []).map((p) => p.text ?? "").join("\n");
}

export function createGeminiApp(state: {
  requests: GeminiRequest[];
  rejected: GeminiRejection[];
  scripts: Map<string, ScriptEntry[]>;
  latency: () => number;
  rules: () => Pick<GeminiFake, "strict" | "retired" | "reroutes">;
}): Hono {
  /** Signature → the answer's parts as sent, for telling a signature brought back intact from one altered. */
  const issued = new Map<string, string>();
  let answers = 0;
  const app = new Hono();
  app.post("/:version/models/:call", async (c) => {
    const call = c.req.param("call");
    const m = /^(.+):generateContent$/.exec(call);
    if (!m) return c.json(errorJson(404, "NOT_FOUND", `Method not found: ${call}`), 404);
    const apiKey = c.req.header("x-goog-api-key");
    if (!apiKey) return c.json(errorJson(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers."), 403);
    let body: GenerateContentBody;
    try {
      body = (await c.req.json()) as GenerateContentBody;
    } catch {
      return c.json(errorJson(400, "INVALID_ARGUMENT", "Invalid JSON payload received."), 400);
    }
    if (!Array.isArray(body.contents) || body.contents.length === 0) {
      return c.json(errorJson(400, "INVALID_ARGUMENT", "* GenerateContentRequest.contents: contents is not specified"), 400);
    }
    // The real API refuses this combination; the fake must too, or a test could pass against a call that fails live.
    const hasTools = (body.tools ?? []).some((t) => (t.functionDeclarations ?? []).length > 0);
    if (hasTools && body.generationConfig?.responseMimeType === "application/json") {
      return c.json(
        errorJson(400, "INVALID_ARGUMENT", "Function calling with a response mime type: 'application/json' is unsupported"),
        400,
      );
    }
    const model = m[1]!;
    const rules = state.rules();
    const refuse = (code: 404 | 400, status: string, message: string) => {
      state.rejected.push({ model, code, message });
      return c.json(errorJson(code, status, message), code);
    };
    if (rules.retired.includes(model)) return refuse(404, "NOT_FOUND", GEMINI_MESSAGES.retired(model));
    const problem = rules.strict ? signatureProblem(body, issued) : null;
    if (problem) return refuse(400, "INVALID_ARGUMENT", problem);
    const req: GeminiRequest = { model, apiKey, body };
    state.requests.push(req);

    const sys = systemText(body);
    let queue: ScriptEntry[] | undefined;
    for (const [key, q] of state.scripts) {
      if (key !== "*" && q.length > 0 && sys.includes(key)) {
        queue = q;
        break;
      }
    }
    queue ??= state.scripts.get("*");
    const entry = queue?.shift();
    if (!entry) {
      return c.json(errorJson(500, "INTERNAL", "gemini fake: no scripted answer left for this request"), 500);
    }
    const step = typeof entry === "function" ? entry(req) : entry;
    const delay = (step.delayMs ?? 0) + state.latency();
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));

    if ("error" in step) return c.json(errorJson(step.error.code, step.error.status, step.error.message), step.error.code as 400);
    if ("blocked" in step) {
      return c.json({ promptFeedback: { blockReason: step.blocked, safetyRatings: [] }, modelVersion: req.model });
    }
    answers += 1;
    const parts: Parts = [];
    if ("maxTokens" in step) {
      if (step.text) parts.push({ text: step.text });
    } else {
      if (step.thought) parts.push({ text: step.thought, thought: true });
      if ("calls" in step) {
        if (step.text) parts.push({ text: step.text });
        step.calls.forEach((fc, i) => {
          // As Gemini 3 does: one signature per answer, on its first function call (also with parallel calls).
          const sig = i === 0 && rules.strict ? { thoughtSignature: Buffer.from(`fake-thought-${answers}`).toString("base64") } : {};
          parts.push({ functionCall: { name: fc.name, args: fc.args }, ...sig });
        });
      } else {
        parts.push({ text: step.text });
      }
    }
    const sig = parts.find((p) => p.thoughtSignature)?.thoughtSignature;
    if (typeof sig === "string") issued.set(sig, JSON.stringify(parts));
    const limit = Number(body.generationConfig?.maxOutputTokens ?? 0);
    return c.json({
      candidates: [
        {
          content: parts.length > 0 ? { role: "model", parts } : { role: "model" },
          finishReason: "maxTokens" in step ? "MAX_TOKENS" : "STOP",
          index: 0,
        },
      ],
      usageMetadata: { promptTokenCount: 100, candidatesTokenCount: 20, thoughtsTokenCount: "maxTokens" in step ? limit : 0, totalTokenCount: 120 },
      modelVersion: rules.reroutes[model] ?? model,
      responseId: `fake-${answers}`,
    });
  });
  return app;
}

/** Starts the fake on an ephemeral port of 127.0.0.1. */
export async function startGeminiFake(opts: { latencyMs?: number; strict?: boolean } = {}): Promise<GeminiFake> {
  const requests: GeminiRequest[] = [];
  const rejected: GeminiRejection[] = [];
  const scripts = new Map<string, ScriptEntry[]>();
  const fake = {
    latencyMs: opts.latencyMs ?? 0,
    strict: opts.strict ?? true,
    retired: [],
    reroutes: {},
  } as unknown as GeminiFake;
  const app = createGeminiApp({ requests, rejected, scripts, latency: () => fake.latencyMs, rules: () => fake });
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  fake.url = `http://127.0.0.1:${port}`;
  fake.requests = requests;
  fake.rejected = rejected;
  fake.script = (entries, o = {}) => {
    scripts.set(o.forPhone ?? "*", [...entries]);
  };
  fake.pending = (forPhone) => scripts.get(forPhone ?? "*")?.length ?? 0;
  fake.close = () =>
    new Promise<void>((resolve, reject) => {
      // A request left hanging by a scripted delay must not keep the test process waiting.
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      server.close((err) => (err ? reject(err) : resolve()));
    });
  return fake;
}

/** The function responses a request carries in its last turn, by tool name (what our code sent back to the model). */
export function lastFunctionResponses(req: GeminiRequest): Array<{ name: string; response: Record<string, unknown> }> {
  const last = req.body.contents[req.body.contents.length - 1];
  return (last?.parts ?? [])
    .map((p) => p.functionResponse as { name: string; response: Record<string, unknown> } | undefined)
    .filter((p): p is { name: string; response: Record<string, unknown> } => p !== undefined);
}

export function systemInstructionOf(req: GeminiRequest): string {
  return systemText(req.body);
}
