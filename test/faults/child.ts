/**
 * `npm start`'s stack (local/stack.ts) as a child process of the fault suite: configuration from the environment,
 * AI_ADMIN_FAULT honoured (lib/faults.ts), "READY" on stdout once it listens, SIGTERM stops it as Ctrl-C would.
 * Only the gap between two sends of a salon is shortened (a human pace would make the suite take minutes), unless
 * STACK_SEND_GAP_MS ("800,2500", the production pace) says otherwise (bench/burst.ts).
 */
import { loadConfigOrExit } from "../../lib/config/index.js";
import { createLogger } from "../../lib/log.js";
import { stopOnSignals } from "../../lib/stop-on-signals.js";
import { startStack } from "../../local/stack.js";

const config = loadConfigOrExit();
const gap = (process.env.STACK_SEND_GAP_MS ?? "20,60").split(",").map(Number) as [number, number];
const stack = await startStack(config, createLogger(config.logLevel), { gatewayOptions: { sendGapMs: gap, restoreJitterMs: [0, 50] } });
console.log("READY");
stopOnSignals(() => stack.stop(), { hardStopMs: 15_000, say: (line) => console.log(line) });
