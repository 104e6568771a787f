/**
 * `npm run bench`: runs every benchmark in its own process (so one's memory and timers never skew another's) and
 * prints each one's table. `npm run bench -- sync gateway` runs only those.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ALL = ["sync", "notifications", "assistant", "answer-time", "gateway", "lambda", "burst", "cabinet", "channel", "chat-panel"];
const wanted = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ALL;
const dir = fileURLToPath(new URL(".", import.meta.url));
let failed = 0;

for (const name of wanted) {
  const file = `${dir}${name}.ts`;
  if (!existsSync(file)) {
    console.error(`no benchmark named ${name} (have: ${ALL.join(", ")})`);
    failed += 1;
    continue;
  }
  console.log(`\n## ${name}\n`);
  const res = spawnSync(process.execPath, ["--import", "tsx", file], { stdio: "inherit", env: { ...process.env, LOG_LEVEL: "silent" } });
  if (res.status !== 0) failed += 1;
}
process.exit(failed === 0 ? 0 : 1);
