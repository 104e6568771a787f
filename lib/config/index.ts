import { resolve } from "node:path";
import { ConfigError, parseEnv, type Env } from "./env.js";
import { loadLocalSecrets } from "./local-secrets.js";

export { ConfigError } from "./env.js";

export type DatabaseConfig =
  | { kind: "embedded"; dataDir: string; localDbPort: number }
  | { kind: "supabase"; url: string; serviceRoleKey: string };

export type DispatchConfig =
  | { kind: "qstash"; url: string; token: string; currentSigningKey: string; nextSigningKey: string }
  | { kind: "local"; currentSigningKey: string; nextSigningKey: string };

export interface Config {
  publicUrl: string;
  port: number;
  gatewayUrl: string;
  gatewayPublicUrl: string;
  gatewayPort: number;
  gatewaySecret: string;
  jwtSecret: string;
  /** Origins allowed to open the onboarding WebSocket: the functions' own origin plus GATEWAY_ALLOWED_ORIGINS. */
  allowedOrigins: string[];
  /** Behind a load balancer the client's address is in X-Forwarded-For (the WebSocket rate limit keys on it). */
  gatewayTrustProxy: boolean;
  /** Sessions one gateway process takes at most (GATEWAY_MAX_SESSIONS). */
  gatewayMaxSessions: number;
  /** Where other gateways and the functions reach this gateway process; null: http://127.0.0.1:<its port>. */
  gatewayInternalUrl: string | null;
  yclients: { baseUrl: string; partnerToken?: string; applicationId?: number; userToken?: string };
  database: DatabaseConfig;
  dispatch: DispatchConfig;
  gemini: { apiKey: string; model: string; baseUrl?: string } | null;
  whatsappTransport: "baileys" | "emulator";
  /** WHATSAPP_WEB_VERSION: the Web version Baileys presents, instead of the one learned from WhatsApp at start. */
  whatsappWebVersion: [number, number, number] | null;
  bookingConfirmationDelaySec: number;
  logLevel: Env["LOG_LEVEL"];
  dataDir: string;
}

/**
 * Reads and validates the environment once. Secrets are generated into DATA_DIR only on the embedded database:
 * a deployment (SUPABASE_URL set) must be given every secret, so two Lambdas can never disagree on a key.
 */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const env = parseEnv(source);
  const dataDir = resolve(env.DATA_DIR);
  const embedded = env.SUPABASE_URL === undefined;
  const local = embedded ? loadLocalSecrets(dataDir) : undefined;
  const required = (name: keyof Env, value: string | undefined, fallback: string | undefined): string => {
    const v = value ?? fallback;
    if (v === undefined) throw new ConfigError(name, "required when SUPABASE_URL is set");
    return v;
  };
  const origin = new URL(env.PUBLIC_URL).origin;
  const extraOrigins = (env.GATEWAY_ALLOWED_ORIGINS ?? "").split(",").map((o) => o.trim()).filter(Boolean);
  for (const o of extraOrigins) {
    if (!/^https?:\/\/[^/]+$/.test(o)) throw new ConfigError("GATEWAY_ALLOWED_ORIGINS", `"${o}" is not an origin`);
  }
  return {
    publicUrl: env.PUBLIC_URL,
    port: env.PORT,
    gatewayUrl: env.GATEWAY_URL,
    gatewayPublicUrl: env.GATEWAY_PUBLIC_URL ?? env.GATEWAY_URL,
    gatewayPort: env.GATEWAY_PORT,
    gatewaySecret: required("GATEWAY_SECRET", env.GATEWAY_SECRET, local?.gatewaySecret),
    jwtSecret: required("JWT_SECRET", env.JWT_SECRET, local?.jwtSecret),
    allowedOrigins: [origin, ...extraOrigins],
    gatewayTrustProxy: env.GATEWAY_TRUST_PROXY === "true",
    gatewayMaxSessions: env.GATEWAY_MAX_SESSIONS,
    gatewayInternalUrl: env.GATEWAY_INTERNAL_URL ?? null,
    yclients: {
      baseUrl: env.YCLIENTS_BASE_URL,
      partnerToken: env.YCLIENTS_PARTNER_TOKEN,
      applicationId: env.YCLIENTS_APPLICATION_ID,
      userToken: env.YCLIENTS_USER_TOKEN,
    },
    database: embedded
      ? { kind: "embedded", dataDir, localDbPort: env.LOCAL_DB_PORT }
      : { kind: "supabase", url: env.SUPABASE_URL!, serviceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY! },
    dispatch: env.QSTASH_TOKEN
      ? {
          kind: "qstash",
          url: env.QSTASH_URL,
          token: env.QSTASH_TOKEN,
          currentSigningKey: env.QSTASH_CURRENT_SIGNING_KEY!,
          nextSigningKey: env.QSTASH_NEXT_SIGNING_KEY!,
        }
      : {
          kind: "local",
          currentSigningKey: required("QSTASH_CURRENT_SIGNING_KEY", env.QSTASH_CURRENT_SIGNING_KEY, local?.qstashCurrentSigningKey),
          nextSigningKey: required("QSTASH_NEXT_SIGNING_KEY", env.QSTASH_NEXT_SIGNING_KEY, local?.qstashNextSigningKey),
        },
    gemini: env.GEMINI_API_KEY ? { apiKey: env.GEMINI_API_KEY, model: env.GEMINI_MODEL, baseUrl: env.GEMINI_BASE_URL } : null,
    whatsappTransport: env.WHATSAPP_TRANSPORT,
    whatsappWebVersion: env.WHATSAPP_WEB_VERSION ? (env.WHATSAPP_WEB_VERSION.split(".").map(Number) as [number, number, number]) : null,
    bookingConfirmationDelaySec: env.BOOKING_CONFIRMATION_DELAY_SECONDS,
    logLevel: env.LOG_LEVEL,
    dataDir,
  };
}

/** For entry points: the configuration, or its one line on stderr and exit code 1 (no stack trace for a bad value). */
export function loadConfigOrExit(source: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(source);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Configuration error: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}

/** One line per dependency: what this process runs on. Never prints a secret. */
export function describeConfig(c: Config): string[] {
  return [
    `database:  ${c.database.kind === "embedded" ? `embedded Postgres (PGlite) in ${c.database.dataDir}` : `Supabase ${c.database.url}`}`,
    `jobs:      ${c.dispatch.kind === "qstash" ? `QStash ${c.dispatch.url}` : "local dispatcher (QStash stand-in)"}`,
    `yclients:  ${c.yclients.partnerToken ? `YClients ${c.yclients.baseUrl}` : "YClients sandbox (no partner token)"}`,
    `whatsapp:  ${c.whatsappTransport === "baileys" ? "Baileys" : "emulator"}`,
    `assistant: ${c.gemini ? `Gemini ${c.gemini.model}${c.gemini.baseUrl ? ` at ${c.gemini.baseUrl}` : ""}` : "off (no GEMINI_API_KEY)"}`,
  ];
}
