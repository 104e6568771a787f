/// <reference path="./.sst/platform/config.d.ts" />
import { createApi } from "./infra/api";
import { createCluster } from "./infra/cluster";
import { createCrons } from "./infra/crons";
import { createGateway } from "./infra/gateway";
import { createSecrets } from "./infra/secrets";
import { readSettings } from "./infra/settings";

/**
 * AI Admin on AWS: the functions (one Lambda behind a Function URL), the crons (EventBridge Scheduler), the WhatsApp
 * gateway (one Fargate task behind an ALB) and the secrets. The database is Supabase and the job queue QStash, both
 * outside AWS. `sst deploy --stage production`; any other stage is a personal one. README "Deploying" has the steps.
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
    const settings = readSettings($app.stage);
    const secrets = createSecrets();
    const api = createApi(secrets, settings);
    const { cluster } = createCluster();
    const gateway = createGateway({ cluster, secrets, settings, functionsUrl: api.url });
    // Each needs the other's URL, so the functions learn theirs (and the gateway's) once both exist.
    api.addEnvironment({ PUBLIC_URL: api.url, GATEWAY_URL: gateway.url });
    createCrons({ secrets, settings, publicUrl: api.url, gatewayUrl: gateway.url });
    return {
      functionsUrl: api.url,
      gatewayUrl: gateway.url,
      yclientsRedirectUrl: $interpolate`${api.url}auth/yclients/redirect`,
      yclientsCallbackUrl: $interpolate`${api.url}webhook/yclients`,
    };
  },
});
