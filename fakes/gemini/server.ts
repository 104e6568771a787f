/**
 * A stand-in for the Gemini API that speaks `POST /v1beta/models/{model}:generateContent` as the REST API does, so the
 * real `@google/generative-ai` SDK runs against it. Each test scripts what the model "says": text, function calls,
 * an API error, or a reply that arrives too late. Every request is kept so a test can read what the model was shown.
 */
import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";

export interface FunctionCallPart {
  name: string;
  args: Record<string, unknown>;
}

/** What the model answers to one generateContent call. */
export type GeminiStep =
  | { text: string; delayMs?: number }
  | { calls: FunctionCallPart[]; text?: string; delayMs?: number }
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

export interface GeminiFake {
  url: string;
  /** Requests in arrival order. */
  requests: GeminiRequest[];
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

function systemText(body: GenerateContentBody): string {
  return (body.systemInstruction?.parts ?? []).map((p) => p.text ?? "").join("\n");
}

export function createGeminiApp(state: {
  requests: GeminiRequest[];
  scripts: Map<string, ScriptEntry[]>;
  latency: () => number;
}): Hono {
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
    const req: GeminiRequest = { model: m[1]!, apiKey, body };
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
    const parts: Array<Record<string, unknown>> = [];
    if ("calls" in step) {
      if (step.text) parts.push({ text: step.text });
      for (const fc of step.calls) parts.push({ functionCall: { name: fc.name, args: fc.args } });
    } else {
      parts.push({ text: step.text });
    }
    return c.json({
      candidates: [{ content: { role: "model", parts }, finishReason: "STOP", index: 0, safetyRatings: [] }],
      usageMetadata: { promptTokenCount: 100, candidatesTokenCount: 20, totalTokenCount: 120 },
      modelVersion: req.model,
      responseId: `fake-${state.requests.length}`,
    });
  });
  return app;
}

/** Starts the fake on an ephemeral port of 127.0.0.1. */
export async function startGeminiFake(opts: { latencyMs?: number } = {}): Promise<GeminiFake> {
  const requests: GeminiRequest[] = [];
  const scripts = new Map<string, ScriptEntry[]>();
  const fake = {
    latencyMs: opts.latencyMs ?? 0,
  } as GeminiFake;
  const app = createGeminiApp({ requests, scripts, latency: () => fake.latencyMs });
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  fake.url = `http://127.0.0.1:${port}`;
  fake.requests = requests;
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
