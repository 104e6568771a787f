import { GATEWAY_PORT, START_GRACE_SECONDS, STOP_TIMEOUT_SECONDS } from "./gateway-constants";
import { GATEWAY_SCALING_TARGETS, GATEWAY_TASK_SIZE } from "./gateway-fleet";
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

/** The container's own check: the image has node but no curl; /health is 200 only while it accepts sessions. */
const CONTAINER_HEALTH_COMMAND = [
  "CMD",
  "node",
  "-e",
  `fetch('http://127.0.0.1:${GATEWAY_PORT}/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`,
];

/**
 * The WhatsApp gateway: a fleet of Fargate tasks sharing the salons' Baileys sessions (each session held by one task
 * through its lease and fence, at most GATEWAY_MAX_SESSIONS per task).
 * - Tasks: min..max from the stage's settings (infra/gateway-fleet.ts), autoscaled on CPU and memory in between.
 * - Rolling deployment, 100 % minimum healthy and 200 % maximum: the new tasks start and turn healthy before any old
 *   one is stopped; an old task then gets SIGTERM, hands its sessions over and exits within the stop timeout. ECS
 *   rolls a deployment whose tasks never turn healthy back (SST's circuit breaker).
 * - Health on /health for the load balancer and the container check alike: 200 while the task accepts sessions, 503
 *   while it drains. ECS replaces a task either check calls unhealthy, so a full task must still answer 200.
 * - Each task finds its own private address (GATEWAY_INTERNAL_URL) in the ECS task metadata
 *   (whatsapp-gateway/task-address.ts); the functions, in the same VPC, call the task holding a salon's session there,
 *   and a stopping task hands each of its sessions to another task there (whatsapp-gateway/sessions/peers.ts).
 * - The ALB carries the onboarding WebSocket (an ALB upgrades HTTP/1.1 connections as they come) to any task; its
 *   idle timeout is raised so a quiet onboarding page is not cut while the salon finds its phone.
 */
export function createGateway(opts: {
  cluster: sst.aws.Cluster;
  secrets: Secrets;
  settings: Settings;
  functionsUrl: $util.Input<string>;
}): sst.aws.Service {
  const { settings } = opts;
  const fleet = settings.gatewayFleet;
  const forward = `${GATEWAY_PORT}/http` as const;
  const domain = settings.gatewayDomain;
  return new sst.aws.Service("Gateway", {
    cluster: opts.cluster,
    image: { context: ".", dockerfile: "whatsapp-gateway/Dockerfile" },
    cpu: GATEWAY_TASK_SIZE.cpu,
    memory: GATEWAY_TASK_SIZE.memory,
    scaling: { min: fleet.minTasks, max: fleet.maxTasks, ...GATEWAY_SCALING_TARGETS },
    health: {
      command: CONTAINER_HEALTH_COMMAND,
      startPeriod: `${START_GRACE_SECONDS} seconds`,
      interval: "15 seconds",
      timeout: "5 seconds",
      retries: 4,
    },
    environment: {
      PUBLIC_URL: opts.functionsUrl,
      GATEWAY_PORT: String(GATEWAY_PORT),
      GATEWAY_MAX_SESSIONS: String(fleet.sessionsPerTask),
      // Node sizes its heap from a guess at the machine, not the task: the sessions live in the heap, so it gets the task.
      NODE_OPTIONS: `--max-old-space-size=${GATEWAY_TASK_SIZE.heapMb}`,
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
      service: {
        deploymentMinimumHealthyPercent: 100,
        deploymentMaximumPercent: 200,
        healthCheckGracePeriodSeconds: START_GRACE_SECONDS,
      },
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
