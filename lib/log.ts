import { pino, type Logger } from "pino";

export type { Logger } from "pino";

/** Paths that may carry a secret in any log object; pino replaces them before a line is written. */
const REDACT = [
  "token", "*.token", "apiKey", "*.apiKey", "api_key", "*.api_key", "webhook_secret", "*.webhook_secret",
  "partner_token", "*.partner_token", "authorization", "*.authorization", "headers.authorization",
  "secret", "*.secret", "password", "*.password", "user_data_sign", "*.user_data_sign",
];

export function createLogger(level: string, name = "ai-admin"): Logger {
  return pino({ name, level, redact: { paths: REDACT, censor: "[redacted]" } });
}
