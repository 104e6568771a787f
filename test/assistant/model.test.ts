/**
 * The model client against the Gemini fake in its strict (Gemini 3) mode, through the real SDK: what it sends per
 * model family, what it does when Google retires or reroutes a model, and why a turn must send the model's parts
 * back as they came.
 */
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GEMINI_MESSAGES, startGeminiFake, type GeminiFake } from "../../fakes/gemini/server.js";
import { DEFAULT_GEMINI_MODEL } from "../../lib/config/env.js";
import { OUTPUT_LIMIT, createGeminiModel, modelList, type Content, type FunctionDeclaration, type Model } from "../../lib/assistant/model.js";

let fake: GeminiFake;
let lines: Array<{ level: number; msg: string; model?: string }>;

beforeAll(async () => {
  fake = await startGeminiFake();
});

afterAll(async () => {
  await fake?.close();
});

beforeEach(() => {
  fake.requests.length = 0;
  fake.rejected.length = 0;
  fake.retired = [];
  fake.reroutes = {};
  fake.strict = true;
  fake.script([]);
  lines = [];
});

function model(names: string): Model {
  const log = pino({ level: "info" }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return createGeminiModel({ apiKey: "test-key", model: names, baseUrl: fake.url }, { timeoutMs: 5_000, log });
}

const TOOLS: FunctionDeclaration[] = [{ name: "list_services", description: "the salon's services" }, { name: "list_staff", description: "the salon's masters" }];
const SYSTEM = "Ты администратор салона.";
const ask = (text: string): Content[] => [{ role: "user", parts: [{ text }] }];

describe("model settings", () => {
  it("defaults to current Gemini 3 Flash models, the first answering", async () => {
    expect(modelList(DEFAULT_GEMINI_MODEL)).toEqual(["gemini-3.8-flash", "gemini-3.5-flash"]);
    fake.script([{ text: "Здравствуйте!" }]);
    const m = model(DEFAULT_GEMINI_MODEL);
    await m.generate({ system: SYSTEM, contents: ask("привет"), tools: [] });
    expect(fake.requests[0]!.model).toBe("gemini-3.8-flash");
    expect(m.status()).toEqual({ models: ["gemini-3.8-flash", "gemini-3.5-flash"], active: "gemini-3.8-flash", retired: [], rerouted: [] });
  });

  it("Gemini 3: low thinking level, room after thinking, the model's own temperature", async () => {
    fake.script([{ text: "Да." }]);
    await model("gemini-3.8-flash").generate({ system: SYSTEM, contents: ask("вы открыты?"), tools: TOOLS });
    expect(fake.requests[0]!.body.generationConfig).toEqual({ maxOutputTokens: OUTPUT_LIMIT, thinkingConfig: { thinkingLevel: "low" } });
  });

  it("Gemini 2.5: a thinking budget instead of a level, and our temperature", async () => {
    fake.script([{ text: "Да." }, { text: "Да." }]);
    await model("gemini-2.5-flash").generate({ system: SYSTEM, contents: ask("вы открыты?"), tools: [] });
    await model("gemini-2.5-pro").generate({ system: SYSTEM, contents: ask("вы открыты?"), tools: [] });
    expect(fake.requests.map((r) => r.body.generationConfig)).toEqual([
      { maxOutputTokens: OUTPUT_LIMIT, temperature: 0.3, thinkingConfig: { thinkingBudget: 0 } },
      { maxOutputTokens: OUTPUT_LIMIT, temperature: 0.3, thinkingConfig: { thinkingBudget: 128 } },
    ]);
  });
});

describe("thought signatures", () => {
  it("the model's parts come back with the signature on the first of several parallel calls, and the next round passes", async () => {
    fake.script([{ calls: [{ name: "list_services", args: {} }, { name: "list_staff", args: {} }], thought: "нужны услуги и мастера" }, { text: "Вот что есть." }]);
    const m = model("gemini-3.8-flash");
    const first = await m.generate({ system: SYSTEM, contents: ask("что у вас есть?"), tools: TOOLS });
    expect(first.calls.map((c) => c.name)).toEqual(["list_services", "list_staff"]);
    expect(first.text).toBe(""); // the thought is not an answer
    const signed = first.parts.filter((p) => (p as { thoughtSignature?: string }).thoughtSignature);
    expect(signed).toHaveLength(1);
    expect(signed[0]).toBe(first.parts.find((p) => p.functionCall));
    const contents: Content[] = [
      ...ask("что у вас есть?"),
      { role: "model", parts: first.parts },
      { role: "function", parts: first.calls.map((c) => ({ functionResponse: { name: c.name, response: { ok: true } } })) },
    ];
    expect((await m.generate({ system: SYSTEM, contents, tools: TOOLS })).text).toBe("Вот что есть.");
    expect(fake.requests[1]!.body.contents[1]).toEqual({ role: "model", parts: first.parts });
    expect(fake.rejected).toEqual([]);
  });

  it("parts rebuilt from the calls lose the signature, and Gemini 3 refuses the next round with a 400", async () => {
    fake.script([{ calls: [{ name: "list_services", args: { query: "стрижка" } }] }, { text: "не должен ответить" }]);
    const m = model("gemini-3.8-flash");
    const first = await m.generate({ system: SYSTEM, contents: ask("сколько стоит стрижка?"), tools: TOOLS });
    const rebuilt: Content[] = [
      ...ask("сколько стоит стрижка?"),
      { role: "model", parts: first.calls.map((c) => ({ functionCall: { name: c.name, args: c.args } })) },
      { role: "function", parts: [{ functionResponse: { name: "list_services", response: { ok: true } } }] },
    ];
    await expect(m.generate({ system: SYSTEM, contents: rebuilt, tools: TOOLS })).rejects.toMatchObject({ kind: "http", status: 400 });
    expect(fake.rejected).toEqual([{ model: "gemini-3.8-flash", code: 400, message: GEMINI_MESSAGES.missingSignature("list_services", 2) }]);
    // An altered answer with its signature kept is refused too.
    const altered: Content[] = [...rebuilt];
    altered[1] = { role: "model", parts: [{ ...first.parts[0]!, functionCall: { name: "list_services", args: { query: "окрашивание" } } } as never] };
    await expect(m.generate({ system: SYSTEM, contents: altered, tools: TOOLS })).rejects.toMatchObject({ status: 400 });
    expect(fake.rejected[1]!.message).toBe(GEMINI_MESSAGES.corruptedSignature);
    expect(fake.pending()).toBe(1);
  });

  it("signatures of an earlier turn are not checked: history is replayed as text", async () => {
    fake.script([{ text: "Записала." }]);
    const contents: Content[] = [
      ...ask("запишите меня"),
      { role: "model", parts: [{ functionCall: { name: "list_services", args: {} } }] },
      { role: "function", parts: [{ functionResponse: { name: "list_services", response: {} } }] },
      { role: "model", parts: [{ text: "На когда?" }] },
      ...ask("на завтра"),
    ];
    expect((await model("gemini-3.8-flash").generate({ system: SYSTEM, contents, tools: TOOLS })).text).toBe("Записала.");
  });
});

describe("retired and rerouted models", () => {
  it("a retired first model: the next one answers, one log line says so, and every later call goes to the next", async () => {
    fake.retired = ["gemini-3.8-flash"];
    fake.script([{ text: "Раз." }, { text: "Два." }]);
    const m = model(DEFAULT_GEMINI_MODEL);
    expect((await m.generate({ system: SYSTEM, contents: ask("1"), tools: [] })).text).toBe("Раз.");
    expect((await m.generate({ system: SYSTEM, contents: ask("2"), tools: [] })).text).toBe("Два.");
    expect(fake.rejected).toEqual([{ model: "gemini-3.8-flash", code: 404, message: GEMINI_MESSAGES.retired("gemini-3.8-flash") }]);
    expect(fake.requests.map((r) => r.model)).toEqual(["gemini-3.5-flash", "gemini-3.5-flash"]);
    const loud = lines.filter((l) => l.level >= 50);
    expect(loud).toHaveLength(1);
    expect(loud[0]!.msg).toContain("gemini-3.8-flash is retired or not found; using gemini-3.5-flash");
    expect(m.name).toBe("gemini-3.5-flash");
    expect(m.status()).toMatchObject({ active: "gemini-3.5-flash", retired: [{ model: "gemini-3.8-flash", reason: expect.stringContaining("no longer available") }] });
  });

  it("every model retired: a model error the turn turns into a handover, not a crash", async () => {
    fake.retired = ["gemini-3.8-flash", "gemini-3.5-flash"];
    const m = model(DEFAULT_GEMINI_MODEL);
    await expect(m.generate({ system: SYSTEM, contents: ask("1"), tools: [] })).rejects.toMatchObject({ kind: "retired" });
    expect(m.status().active).toBeNull();
    expect(lines.filter((l) => l.level >= 50)).toHaveLength(2);
  });

  it("a silent reroute is logged once per model, and the settings follow the model that answers", async () => {
    fake.reroutes = { "gemini-2.5-flash": "gemini-3.5-flash-lite" };
    fake.script([{ text: "Раз." }, { text: "Два." }]);
    const m = model("gemini-2.5-flash");
    await m.generate({ system: SYSTEM, contents: ask("1"), tools: [] });
    await m.generate({ system: SYSTEM, contents: ask("2"), tools: [] });
    const warned = lines.filter((l) => l.level === 40);
    expect(warned).toHaveLength(1);
    expect(warned[0]!.msg).toContain("Gemini answered gemini-2.5-flash with gemini-3.5-flash-lite");
    expect(fake.requests[1]!.body.generationConfig).toEqual({ maxOutputTokens: OUTPUT_LIMIT, thinkingConfig: { thinkingLevel: "low" } });
    expect(m.status().rerouted).toEqual([{ model: "gemini-2.5-flash", answeredBy: "gemini-3.5-flash-lite" }]);
  });
});
