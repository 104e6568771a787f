/**
 * Every secret of the design's configuration table: the sst.Secret name (what `sst secret set` takes) and the
 * environment variable lib/config reads. Plain data, no SST globals: infra/secrets.ts declares the secrets from it,
 * functions/lambda-services.ts maps linked values back to the env names with it, and infra/gateway.ts hands the
 * container its values under the env names.
 *
 * `optional` secrets get an empty placeholder so a deploy works without them; lib/config treats an empty value as
 * absent (no GEMINI_API_KEY means the assistant is off).
 */
export const SECRET_ENV = [
  { name: "GatewaySecret", env: "GATEWAY_SECRET", optional: false },
  { name: "JwtSecret", env: "JWT_SECRET", optional: false },
  { name: "YclientsPartnerToken", env: "YCLIENTS_PARTNER_TOKEN", optional: false },
  { name: "YclientsUserToken", env: "YCLIENTS_USER_TOKEN", optional: false },
  { name: "SupabaseServiceRoleKey", env: "SUPABASE_SERVICE_ROLE_KEY", optional: false },
  { name: "QstashToken", env: "QSTASH_TOKEN", optional: false },
  { name: "QstashCurrentSigningKey", env: "QSTASH_CURRENT_SIGNING_KEY", optional: false },
  { name: "QstashNextSigningKey", env: "QSTASH_NEXT_SIGNING_KEY", optional: false },
  { name: "GeminiApiKey", env: "GEMINI_API_KEY", optional: true },
] as const;

export type SecretName = (typeof SECRET_ENV)[number]["name"];
export type SecretEnvName = (typeof SECRET_ENV)[number]["env"];

/** The env name a secret's value is read under at run time. */
export function envNameOf(name: SecretName): SecretEnvName {
  return SECRET_ENV.find((s) => s.name === name)!.env;
}
