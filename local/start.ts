import { ConfigError, describeConfig, loadConfig } from "../lib/config/index.js";
import { createLogger } from "../lib/log.js";
import { startStack } from "./stack.js";

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`Configuration error: ${err.message}`);
    process.exit(1);
  }
  throw err;
}

const log = createLogger(config.logLevel);
const stack = await startStack(config, log);

console.log(["", "AI Admin is running locally", ...describeConfig(config).map((l) => `  ${l}`),
  `  functions: ${stack.urls.functions}  (health: ${stack.urls.functions}/health)`,
  `  gateway:   ${stack.urls.gateway}  (health: ${stack.urls.gateway}/health)`,
  ...(stack.urls.psql ? [`  psql:      ${stack.urls.psql}`] : []),
  "Ctrl-C stops it.", ""].join("\n"));

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  const hardStop = setTimeout(() => {
    console.error("did not stop within 15 s; exiting");
    process.exit(1);
  }, 15_000);
  hardStop.unref();
  await stack.stop();
  console.log("stopped cleanly");
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
