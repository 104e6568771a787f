import { describeConfig, loadConfigOrExit } from "../lib/config/index.js";

const config = loadConfigOrExit();

// Loaded after the configuration is known good, so a bad value prints its one line and nothing else.
const { createLogger } = await import("../lib/log.js");
const { startStack } = await import("./stack.js");
const { stopOnSignals } = await import("../lib/stop-on-signals.js");
const { demoOwner, marketplaceRedirectUrl } = await import("../fakes/yclients/index.js");
const { frameUrl } = await import("../lib/chat-panel/frame-hash.js");

/** The sandbox generates any salon from its id (and its owner, whom its company_users lists as an administrator). */
const DEMO_SALON_ID = 962302;
const log = createLogger(config.logLevel);
let stack: Awaited<ReturnType<typeof startStack>>;
try {
  stack = await startStack(config, log);
} catch (err) {
  // The two ways a second `npm start` fails: say which, in one line, instead of a stack trace.
  const e = err as NodeJS.ErrnoException & { port?: number };
  if (e.code === "EADDRINUSE" || e.name === "DataDirInUseError") {
    console.error(`Cannot start: ${e.code === "EADDRINUSE" ? `port ${e.port} is already in use (set PORT, GATEWAY_PORT or LOCAL_DB_PORT)` : e.message}`);
    process.exit(1);
  }
  throw err;
}

console.log(["", "AI Admin is running locally", ...describeConfig(config).map((l) => `  ${l}`),
  `  functions: ${stack.urls.functions}  (health: ${stack.urls.functions}/health)`,
  `  gateway:   ${stack.urls.gateway}  (health: ${stack.urls.gateway}/health)`,
  ...(stack.urls.psql ? [`  psql:      ${stack.urls.psql}`] : []),
  ...(stack.urls.yclientsSandbox ? [`  sandbox:   YClients sandbox at ${stack.urls.yclientsSandbox}`] : []),
  ...(stack.config.yclients.partnerToken && stack.yclientsSandbox
    ? ["", "Install the app into the sandbox's demo salon as its owner would (open in a browser; a signed link is",
       "honoured once per 15 minutes, so restart or wait to use it again in another browser):",
       `  ${marketplaceRedirectUrl(config.publicUrl, stack.config.yclients.partnerToken, DEMO_SALON_ID, demoOwner(stack.yclientsSandbox.owner(DEMO_SALON_ID)))}`,
       `Once its WhatsApp is linked, the same link opens the salon's cabinet (${stack.urls.functions}/cabinet/${DEMO_SALON_ID}).`,
       "Once it is installed, its WhatsApp chats open as YClients' chat frame would open them (for its owner):",
       `  ${frameUrl(config.publicUrl, stack.config.yclients.partnerToken, { salonId: DEMO_SALON_ID, userId: stack.yclientsSandbox.owner(DEMO_SALON_ID).id })}`]
    : []),
  "Ctrl-C stops it.", ""].join("\n"));

stopOnSignals(() => stack.stop(), { hardStopMs: 15_000, say: (line) => console.log(line) });
