import { serve, type ServerType } from "@hono/node-server";
import { createGatewayApp, type GatewayDeps } from "./app.js";

export interface RunningGateway {
  port: number;
  close(): Promise<void>;
}

/** Starts the gateway's HTTP server; dependencies are up before the listener opens. */
export async function startGateway(deps: GatewayDeps & { port: number }): Promise<RunningGateway> {
  const app = createGatewayApp(deps);
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: deps.port, hostname: "0.0.0.0" }, () => resolve(s));
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : deps.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
