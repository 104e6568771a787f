import { freePort } from "./harness.js";

/**
 * Where a test's own `npm start` stack (local/stack.ts) keeps its data and listens: free ports, addressed as
 * 127.0.0.1 rather than localhost because the servers listen on IPv4 and a browser's origin must be exactly
 * PUBLIC_URL's (the gateway's WebSocket origin allow-list).
 */
export async function localStackEnv(dataDir: string): Promise<Record<string, string>> {
  const [port, gatewayPort, dbPort] = [await freePort(), await freePort(), await freePort()];
  return {
    DATA_DIR: dataDir,
    PORT: String(port),
    GATEWAY_PORT: String(gatewayPort),
    LOCAL_DB_PORT: String(dbPort),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    GATEWAY_URL: `http://127.0.0.1:${gatewayPort}`,
  };
}
