import { LAMBDA_DEFAULTS } from "./lambda-defaults";
import { pick, type Secrets } from "./secrets";
import type { Settings } from "./settings";

/** Everything the functions' code reads; the crons read the same except the model key (no assistant in a cron). */
export const API_SECRETS = [
  "GatewaySecret",
  "JwtSecret",
  "YclientsPartnerToken",
  "YclientsUserToken",
  "SupabaseServiceRoleKey",
  "QstashToken",
  "QstashCurrentSigningKey",
  "QstashNextSigningKey",
  "GeminiApiKey",
] as const;

/** Non-secret environment shared by the functions and the crons (lib/config names). */
export function functionsEnvironment(settings: Settings): Record<string, string> {
  return {
    SUPABASE_URL: settings.supabaseUrl,
    YCLIENTS_APPLICATION_ID: settings.yclientsApplicationId,
    GEMINI_MODEL: settings.geminiModel,
    LOG_LEVEL: settings.logLevel,
  };
}

/**
 * The Hono app as one Lambda behind a Function URL: marketplace redirect, onboarding page, activation, YClients
 * webhooks and the /jobs/* routes QStash calls. A Function URL rather than API Gateway because a job may run past
 * API Gateway's 30 s cap. It is public: webhooks authenticate by their secret URL or partner token, jobs by
 * Upstash-Signature.
 *
 * PUBLIC_URL (its own URL) and GATEWAY_URL are added by sst.config.ts once both exist.
 */
export function createApi(secrets: Secrets, settings: Settings, vpc: sst.aws.Vpc): sst.aws.Function {
  return new sst.aws.Function("Api", {
    ...LAMBDA_DEFAULTS,
    // In the VPC: the service-API calls go to the gateway task holding the salon's session, at its private address.
    vpc,
    handler: "functions/lambda.handler",
    timeout: "90 seconds",
    url: true,
    // The onboarding page is read from web/ at run time (functions/routes/marketplace/onboarding.ts); the bundle
    // holds only code, so the folder travels beside it.
    copyFiles: [{ from: "web", to: "web" }],
    link: pick(secrets, API_SECRETS),
    environment: functionsEnvironment(settings),
  });
}
