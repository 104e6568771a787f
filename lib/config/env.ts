import { z } from "zod";

/** Thrown for a missing or malformed variable; the entry points print its one line and exit. */
export class ConfigError extends Error {
  constructor(readonly variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = "ConfigError";
  }
}

const url = z.string().url().refine((u) => /^https?:\/\//.test(u), "must be an http(s) URL").transform((u) => u.replace(/\/+$/, ""));
const PORT_RANGE = "must be a port number (1-65535)";
const SESSION_COUNT = "must be a whole number from 1 to 100000";
const port = z.coerce.number({ error: PORT_RANGE }).int(PORT_RANGE).min(1, PORT_RANGE).max(65535, PORT_RANGE);
const secret = z.string().min(16, "must be at least 16 characters");
const nonEmpty = z.string().min(1);

/** Current GA Flash-class models, newest first; the second answers if Google retires the first (see README). */
export const DEFAULT_GEMINI_MODEL = "gemini-3.8-flash,gemini-3.5-flash";
const MODEL_NAMES = 'must be model names, comma-separated, e.g. "gemini-3.8-flash,gemini-3.5-flash"';
const geminiModels = z
  .string()
  .transform((v) => v.split(",").map((m) => m.trim()).filter((m) => m !== ""))
  .refine((list) => list.length > 0 && list.every((m) => /^(?:models\/)?[a-z0-9][a-z0-9._-]*$/i.test(m)), MODEL_NAMES)
  .transform((list) => list.join(","));

const schema = z.object({
  // Default to the local ports, so PORT=9000 alone gives a consistent PUBLIC_URL (see parseEnv).
  PUBLIC_URL: url.optional(),
  PORT: port.default(8787),
  GATEWAY_URL: url.optional(),
  GATEWAY_PUBLIC_URL: url.optional(),
  GATEWAY_PORT: port.default(8788),
  GATEWAY_SECRET: secret.optional(),
  GATEWAY_ALLOWED_ORIGINS: z.string().optional(),
  GATEWAY_TRUST_PROXY: z.enum(["true", "false"], { message: 'must be "true" or "false"' }).default("false"),
  // Fleet (issue 20): sessions one gateway process takes at most, and the base URL other gateways and the functions
  // reach this process at (registered in gateway_instances; default http://127.0.0.1:<its port>).
  GATEWAY_MAX_SESSIONS: z.coerce.number({ error: SESSION_COUNT }).int(SESSION_COUNT).min(1, SESSION_COUNT).max(100_000, SESSION_COUNT).default(500),
  GATEWAY_INTERNAL_URL: url.optional(),
  JWT_SECRET: secret.optional(),
  YCLIENTS_BASE_URL: url.default("https://api.yclients.com"),
  YCLIENTS_PARTNER_TOKEN: nonEmpty.optional(),
  YCLIENTS_APPLICATION_ID: z.coerce.number().int().positive().optional(),
  YCLIENTS_USER_TOKEN: nonEmpty.optional(),
  SUPABASE_URL: url.optional(),
  SUPABASE_SERVICE_ROLE_KEY: nonEmpty.optional(),
  DATA_DIR: nonEmpty.default("./.data"),
  LOCAL_DB_PORT: port.default(54322),
  QSTASH_URL: url.default("https://qstash.upstash.io"),
  QSTASH_TOKEN: nonEmpty.optional(),
  QSTASH_CURRENT_SIGNING_KEY: nonEmpty.optional(),
  QSTASH_NEXT_SIGNING_KEY: nonEmpty.optional(),
  GEMINI_API_KEY: nonEmpty.optional(),
  GEMINI_MODEL: geminiModels.default(DEFAULT_GEMINI_MODEL),
  GEMINI_BASE_URL: url.optional(),
  WHATSAPP_TRANSPORT: z.enum(["baileys", "emulator"]).default("baileys"),
  WHATSAPP_WEB_VERSION: z.string().regex(/^2\.\d{1,6}\.\d{1,12}$/, "must be a WhatsApp Web version like 2.3000.1023456789").optional(),
  BOOKING_CONFIRMATION_DELAY_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type Env = Omit<z.infer<typeof schema>, "PUBLIC_URL" | "GATEWAY_URL"> & { PUBLIC_URL: string; GATEWAY_URL: string };

/** Parses the environment once; an empty string counts as absent so `FOO=` in a shell means "use the default". */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(String(issue.path[0] ?? "environment"), issue.message);
  }
  const env: Env = {
    ...result.data,
    PUBLIC_URL: result.data.PUBLIC_URL ?? `http://localhost:${result.data.PORT}`,
    GATEWAY_URL: result.data.GATEWAY_URL ?? `http://localhost:${result.data.GATEWAY_PORT}`,
  };
  const pairs: Array<[keyof Env, keyof Env]> = [
    ["SUPABASE_URL", "SUPABASE_SERVICE_ROLE_KEY"],
    ["QSTASH_TOKEN", "QSTASH_CURRENT_SIGNING_KEY"],
    ["QSTASH_TOKEN", "QSTASH_NEXT_SIGNING_KEY"],
    ["YCLIENTS_PARTNER_TOKEN", "YCLIENTS_APPLICATION_ID"],
  ];
  for (const [when, needs] of pairs) {
    if (env[when] !== undefined && env[needs] === undefined) throw new ConfigError(needs, `required when ${when} is set`);
  }
  // Fail closed: without it the install redirect cannot ask YClients who administers a salon (/company_users).
  if (env.YCLIENTS_PARTNER_TOKEN !== undefined && env.YCLIENTS_USER_TOKEN === undefined) {
    throw new ConfigError("YCLIENTS_USER_TOKEN", "required when YCLIENTS_PARTNER_TOKEN is set (the install redirect checks the installing user in YClients' /company_users with it)");
  }
  return env;
}
