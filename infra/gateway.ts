import { GATEWAY_PORT, STOP_TIMEOUT_SECONDS } from "./gateway-constants";
import { envNameOf, type SecretName } from "./secret-env";
import type { Secrets } from "./secrets";
import type { Settings } from "./settings";

/** What the gateway reads: its service-API key, onboarding tokens, its database, and QStash to call the functions. */
export const GATEWAY_SECRETS = [
  "GatewaySecret",
  "JwtSecret",
  "SupabaseServiceRoleKey",
  "QstashToken",
  "QstashCurrentSigningKey",
  "QstashNextSigningKey",
] as const satisfies readonly SecretName[];

/**
 * The gateway's secrets as SSM SecureString parameters, handed to the container through ECS `secrets`: ECS reads
 * them when the task starts and sets them under lib/config's names, so they are neither baked into the task
 * definition in clear nor fetched through the `sst` SDK (a dev dependency, absent from the production image).
 */
function gatewaySecretParameters(secrets: Secrets): Record<string, $util.Output<string>> {
  return Object.fromEntries(
    GATEWAY_SECRETS.map((name) => {
      const parameter = new aws.ssm.Parameter(`Gateway${name}`, {
        name: `/${$app.name}/${$app.stage}/gateway/${envNameOf(name)}`,
        type: "SecureString",
        value: secrets[name].value,
      });
      return [envNameOf(name), parameter.arn];
    }),
  );
}

function gatewaySecretValues(secrets: Secrets): Record<string, $util.Output<string>> {
  return Object.fromEntries(GATEWAY_SECRETS.map((name) => [envNameOf(name), secrets[name].value]));
}

/**
 * The WhatsApp gateway: one long-running container holding every salon's Baileys session.
 * - Exactly one task, and a deployment that stops the old task before starting the new one: two gateways would
 *   fight over the same WhatsApp sessions.
 * - The ALB carries the onboarding WebSocket (an ALB upgrades HTTP/1.1 connections as they come); its idle timeout
 *   is raised so a quiet onboarding page is not cut while the salon finds its phone.
 * - Health on /health; a few failed checks in a row before a restart, because a restart drops every session.
 */
export function createGateway(opts: {
  cluster: sst.aws.Cluster;
  secrets: Secrets;
  settings: Settings;
  functionsUrl: $util.Input<string>;
}): sst.aws.Service {
  const { settings } = opts;
  const forward = `${GATEWAY_PORT}/http` as const;
  const domain = settings.gatewayDomain;
  return new sst.aws.Service("Gateway", {
    cluster: opts.cluster,
    image: { context: ".", dockerfile: "whatsapp-gateway/Dockerfile" },
    cpu: "0.5 vCPU",
    memory: "1 GB",
    scaling: { min: 1, max: 1 },
    environment: {
      PUBLIC_URL: opts.functionsUrl,
      GATEWAY_PORT: String(GATEWAY_PORT),
      SUPABASE_URL: settings.supabaseUrl,
      WHATSAPP_TRANSPORT: "baileys",
      // Every browser arrives through the load balancer; the per-IP WebSocket limit must read the forwarded address.
      GATEWAY_TRUST_PROXY: "true",
      LOG_LEVEL: settings.logLevel,
      ...(settings.whatsappWebVersion ? { WHATSAPP_WEB_VERSION: settings.whatsappWebVersion } : {}),
      // `sst dev` runs dev.command on this machine, where ECS cannot inject `ssm`: the process gets the values itself.
      ...($dev ? gatewaySecretValues(opts.secrets) : {}),
    },
    ssm: $dev ? undefined : gatewaySecretParameters(opts.secrets),
    loadBalancer: {
      public: true,
      ...(domain
        ? {
            domain: domain.certArn ? { name: domain.name, dns: false, cert: domain.certArn } : domain.name,
            rules: [
              { listen: "80/http", redirect: "443/https" },
              { listen: "443/https", forward },
            ],
          }
        : { rules: [{ listen: "80/http", forward }] }),
      health: {
        [forward]: {
          path: "/health",
          interval: "15 seconds",
          timeout: "5 seconds",
          healthyThreshold: 2,
          unhealthyThreshold: 4,
          successCodes: "200",
        },
      },
    },
    logging: { retention: "1 month" },
    dev: { command: "npx tsx whatsapp-gateway/main.ts", url: `http://localhost:${GATEWAY_PORT}` },
    transform: {
      service: { deploymentMinimumHealthyPercent: 0, deploymentMaximumPercent: 100 },
      loadBalancer: { idleTimeout: 3600 },
      target: { deregistrationDelay: 30 },
      taskDefinition: (args) => {
        args.containerDefinitions = $jsonParse(args.containerDefinitions).apply((defs: Array<Record<string, unknown>>) =>
          JSON.stringify(defs.map((d) => ({ ...d, stopTimeout: STOP_TIMEOUT_SECONDS }))),
        );
      },
    },
  });
}
