/// <reference path="./.sst/platform/config.d.ts" />

/**
 * AI Admin on AWS: the functions (one Lambda behind a Function URL), the crons (EventBridge Scheduler), the WhatsApp
 * gateway (a fleet of Fargate tasks behind an ALB) and the secrets. The database is Supabase and the job queue QStash, both
 * outside AWS. `sst deploy --stage production`; any other stage is a personal one. README "Deploying" has the steps.
 * (SST refuses top-level imports here: the infra/ modules are imported inside run.)
 */
export default $config({
  app(input) {
    const production = input?.stage === "production";
    return {
      name: "ai-admin",
      home: "aws",
      // Production keeps its resources (and the gateway's logs) if the stage is ever removed; personal stages clean up.
      removal: production ? "retain" : "remove",
      protect: production,
    };
  },
  async run() {
    const { readSettings } = await import("./infra/settings");
    const { createSecrets } = await import("./infra/secrets");
    const { createApi } = await import("./infra/api");
    const { createCluster } = await import("./infra/cluster");
    const { createGateway } = await import("./infra/gateway");
    const { createCrons } = await import("./infra/crons");

    const settings = readSettings($app.stage);
    const secrets = createSecrets();
    const { vpc, cluster } = createCluster();
    const api = createApi(secrets, settings, vpc);
    const gateway = createGateway({ cluster, secrets, settings, functionsUrl: api.url });
    // Each needs the other's URL, so the functions learn theirs (and the gateway's) once both exist.
    api.addEnvironment({ PUBLIC_URL: api.url, GATEWAY_URL: gateway.url });
    createCrons({ secrets, settings, publicUrl: api.url, gatewayUrl: gateway.url, vpc });
    return {
      functionsUrl: api.url,
      gatewayUrl: gateway.url,
      yclientsRedirectUrl: $interpolate`${api.url}auth/yclients/redirect`,
      yclientsCallbackUrl: $interpolate`${api.url}webhook/yclients`,
    };
  },
});
