import { readGatewayFleet, type GatewayFleet } from "./gateway-fleet";

/**
 * Deploy-time values that are not secret, read from the shell or `.env.<stage>` next to sst.config.ts (SST loads
 * it for the stage being deployed). Checked here so a deploy stops before creating anything, naming the variable.
 */
export interface Settings {
  supabaseUrl: string;
  yclientsApplicationId: string;
  geminiModel: string;
  logLevel: string;
  /** WHATSAPP_WEB_VERSION for the gateway, when WhatsApp refuses the version Baileys would present. */
  whatsappWebVersion?: string;
  /** The gateway's HTTPS name; the onboarding page is served over HTTPS, so its WebSocket must be wss://. */
  gatewayDomain?: { name: string; certArn?: string };
  /** Gateway tasks (min, max) and sessions per task. */
  gatewayFleet: GatewayFleet;
}

/** lib/config/env.ts has the same default (infra does not import the app); test/infra/config.test.ts holds them equal. */
export const DEFAULT_GEMINI_MODEL = "gemini-3.8-flash,gemini-3.5-flash";

export function readSettings(stage: string, env: Record<string, string | undefined> = process.env): Settings {
  const need = (name: string): string => {
    const v = env[name]?.trim();
    if (!v) throw new Error(`${name} is not set for stage "${stage}": put it in .env.${stage} next to sst.config.ts`);
    return v;
  };
  const supabaseUrl = need("SUPABASE_URL");
  if (!/^https:\/\//.test(supabaseUrl)) throw new Error(`SUPABASE_URL must be an https URL, got "${supabaseUrl}"`);
  const yclientsApplicationId = need("YCLIENTS_APPLICATION_ID");
  if (!/^[1-9]\d*$/.test(yclientsApplicationId)) throw new Error("YCLIENTS_APPLICATION_ID must be a positive integer");
  const domain = env.GATEWAY_DOMAIN?.trim();
  // Browsers refuse ws:// from an https page, so without a domain the onboarding page cannot reach the gateway.
  if (stage === "production" && !domain) throw new Error(`GATEWAY_DOMAIN is required for stage "production"`);
  const whatsappWebVersion = env.WHATSAPP_WEB_VERSION?.trim() || undefined;
  if (whatsappWebVersion && !/^2\.\d{1,6}\.\d{1,12}$/.test(whatsappWebVersion)) {
    throw new Error(`WHATSAPP_WEB_VERSION must be a WhatsApp Web version like 2.3000.1023456789, got "${whatsappWebVersion}"`);
  }
  return {
    supabaseUrl,
    yclientsApplicationId,
    geminiModel: env.GEMINI_MODEL?.trim() || DEFAULT_GEMINI_MODEL,
    logLevel: env.LOG_LEVEL?.trim() || "info",
    whatsappWebVersion,
    gatewayDomain: domain ? { name: domain, certArn: env.GATEWAY_CERT_ARN?.trim() || undefined } : undefined,
    gatewayFleet: readGatewayFleet(stage, env),
  };
}
