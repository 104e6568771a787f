/**
 * What the gateway image would run, checked without Docker (CI has no engine): reads whatsapp-gateway/Dockerfile,
 * copies what its COPY lines copy from the build context into a clean temporary folder (one per stage, so
 * `COPY --from=<stage>` works), runs its `npm ci` steps (always with --omit=dev for the final image, as the issue
 * requires), then starts the gateway with the Dockerfile's ENTRYPOINT/CMD from its WORKDIR and checks that
 * GET /health answers 200 and that SIGTERM stops it cleanly within the ECS stop timeout.
 *
 * The image must need nothing beyond its base image and the npm registry, so any RUN step other than npm's own
 * install commands is reported as something this check (and a plain build machine) cannot vouch for.
 *
 * `npx tsx test/infra/gateway-prod-install.ts` (part of `npm run check:infra`); exits non-zero with the reason.
 */
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join, posix, resolve } from "node:path";
import { STOP_TIMEOUT_SECONDS } from "../../infra/gateway-constants.js";

const ROOT = resolve(import.meta.dirname, "../..");
/** The Dockerfile to check; another path may be given as the first argument (to try the check itself). */
const DOCKERFILE = resolve(process.argv[2] ?? join(ROOT, "whatsapp-gateway/Dockerfile"));
const HEALTH_DEADLINE_MS = 60_000;

interface Stage {
  name: string;
  base: string;
  /** The stage's filesystem: image path "/app/x" lives at `${root}/app/x`. */
  root: string;
  workdir: string;
  env: Record<string, string>;
  cmd?: string[];
  entrypoint?: string[];
}

class CheckFailed extends Error {}

/** Dockerfile lines with continuations joined and comments dropped. */
function instructions(text: string): Array<{ op: string; rest: string }> {
  const joined = text.replace(/\\\r?\n/g, " ");
  return joined
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const m = /^(\S+)\s*(.*)$/.exec(l)!;
      return { op: m[1]!.toUpperCase(), rest: m[2]! };
    });
}

/** Exec form `["a","b"]` or shell form (run by /bin/sh -c, as Docker does). */
function commandOf(rest: string): string[] {
  if (rest.startsWith("[")) return JSON.parse(rest) as string[];
  return ["/bin/sh", "-c", rest];
}

function envOf(rest: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (/^\S+\s+[^=]*$/.test(rest) && !rest.includes("=")) {
    const [k, ...v] = rest.split(/\s+/);
    out[k!] = v.join(" ");
    return out;
  }
  for (const m of rest.matchAll(/(\w+)=("([^"]*)"|(\S*))/g)) out[m[1]!] = m[3] ?? m[4] ?? "";
  return out;
}

function inStage(stage: Stage, imagePath: string): string {
  const abs = posix.isAbsolute(imagePath) ? imagePath : posix.join(stage.workdir, imagePath);
  return join(stage.root, abs);
}

/** Never part of a build context (.dockerignore would keep them out; the check must not depend on it). */
const NEVER_COPIED = /(^|\/)(node_modules|\.git|\.sst|\.data)(\/|$)/;

/** Sources of a COPY: a path, or a `*` pattern in its last part (`package*.json`). */
function expand(from: string): string[] {
  if (!basename(from).includes("*")) {
    if (!existsSync(from)) throw new CheckFailed(`COPY source ${from} does not exist`);
    return [from];
  }
  const re = new RegExp(`^${basename(from).replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
  const hits = readdirSync(dirname(from)).filter((f) => re.test(f)).map((f) => join(dirname(from), f));
  if (hits.length === 0) throw new CheckFailed(`COPY source ${from} matches nothing`);
  return hits;
}

/** Docker's rules: a directory's contents go into the destination; a file goes into it if it is a directory. */
function copy(from: string, to: string, toIsDir: boolean, fromContext: boolean) {
  if (statSync(from).isDirectory()) {
    cpSync(from, to, fromContext ? { recursive: true, filter: (src) => !NEVER_COPIED.test(src.slice(from.length)) } : { recursive: true });
    return;
  }
  const target = toIsDir ? join(to, basename(from)) : to;
  mkdirSync(dirname(target), { recursive: true });
  cpSync(from, target);
}

/**
 * The environment without npm's own variables: run through `npm run`/`npx`, this process inherits
 * npm_config_local_prefix=<repo>, and an npm started with it would install into the repository instead of cwd.
 */
function cleanEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => !/^npm_/i.test(e[0]) && e[1] !== undefined));
}

function run(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, stdio: ["ignore", "inherit", "inherit"], env: { ...cleanEnv(), NODE_ENV: "production" } });
  if (r.status !== 0) throw new CheckFailed(`${cmd} ${args.join(" ")} failed in ${cwd} (exit ${r.status})`);
}

/** Builds every stage as folders; returns the final one. */
function emulate(dockerfile: string, scratch: string): Stage {
  const stages: Stage[] = [];
  let stage: Stage | undefined;
  for (const { op, rest } of instructions(readFileSync(dockerfile, "utf8"))) {
    if (op === "FROM") {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!m) throw new CheckFailed(`cannot read FROM ${rest}`);
      const from = stages.find((s) => s.name === m[1]);
      const root = join(scratch, `stage${stages.length}`);
      mkdirSync(root, { recursive: true });
      if (from) cpSync(from.root, root, { recursive: true });
      if (!from && !/^node:/.test(m[1]!)) throw new CheckFailed(`base image ${m[1]} is not an official node image`);
      stage = { name: m[2] ?? String(stages.length), base: from?.base ?? m[1]!, root, workdir: from?.workdir ?? "/", env: { ...from?.env } };
      stages.push(stage);
      continue;
    }
    if (!stage) throw new CheckFailed(`${op} before FROM`);
    switch (op) {
      case "WORKDIR":
        stage.workdir = posix.resolve(stage.workdir, rest);
        mkdirSync(join(stage.root, stage.workdir), { recursive: true });
        break;
      case "ENV":
        Object.assign(stage.env, envOf(rest));
        break;
      case "COPY":
      case "ADD": {
        const words = rest.startsWith("[") ? (JSON.parse(rest) as string[]) : rest.split(/\s+/);
        const flags = words.filter((w) => w.startsWith("--"));
        const paths = words.filter((w) => !w.startsWith("--"));
        const fromFlag = flags.find((f) => f.startsWith("--from="))?.slice("--from=".length);
        const source = fromFlag ? stages.find((s) => s.name === fromFlag) : undefined;
        if (fromFlag && !source) throw new CheckFailed(`COPY --from=${fromFlag}: not a stage of this Dockerfile`);
        const rawDest = paths.pop()!;
        const dest = inStage(stage, rawDest);
        const sources = paths.flatMap((src) => expand(source ? inStage(source, src) : join(ROOT, src)));
        const toIsDir = sources.length > 1 || rawDest.endsWith("/") || rawDest === "." || (existsSync(dest) && statSync(dest).isDirectory());
        for (const from of sources) copy(from, dest, toIsDir, !source);
        break;
      }
      case "RUN": {
        const m = /^npm\s+(ci|install)\b(.*)$/.exec(rest.replace(/&&\s*npm cache clean --force\s*$/, "").trim());
        if (!m || m[1] !== "ci") throw new CheckFailed(`RUN ${rest}: only "npm ci" can be checked without Docker`);
        // The image installs production dependencies only: whatever the line says, check that that is enough.
        run("npm", ["ci", "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline"], join(stage.root, stage.workdir));
        break;
      }
      case "CMD":
        stage.cmd = commandOf(rest);
        break;
      case "ENTRYPOINT":
        stage.entrypoint = commandOf(rest);
        break;
      case "EXPOSE":
      case "USER":
      case "LABEL":
      case "ARG":
      case "HEALTHCHECK":
      case "STOPSIGNAL":
        break;
      default:
        throw new CheckFailed(`${op} is not understood by this check`);
    }
  }
  if (!stage) throw new CheckFailed("no FROM in the Dockerfile");
  return stage;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

async function check(): Promise<string> {
  if (!existsSync(DOCKERFILE)) throw new CheckFailed(`${DOCKERFILE} does not exist yet`);
  const scratch = mkdtempSync(join(tmpdir(), "gateway-image-"));
  try {
    const final = emulate(DOCKERFILE, scratch);
    const command = [...(final.entrypoint ?? []), ...(final.cmd ?? [])];
    if (command.length === 0) throw new CheckFailed("the Dockerfile has no CMD or ENTRYPOINT");
    const cwd = join(final.root, final.workdir);
    if (existsSync(join(cwd, "node_modules/.bin")) === false) throw new CheckFailed(`no node_modules in ${final.workdir}: nothing installed the dependencies`);

    const port = await freePort();
    const dataDir = join(scratch, "data");
    mkdirSync(dataDir);
    // The container's own ENV, then what this check needs: the embedded database (no Supabase here) and a free port.
    const env = {
      PATH: `${join(cwd, "node_modules/.bin")}:${process.env.PATH}`,
      HOME: scratch,
      ...final.env,
      GATEWAY_PORT: String(port),
      DATA_DIR: dataDir,
      LOCAL_DB_PORT: String(await freePort()),
      WHATSAPP_TRANSPORT: "emulator",
      LOG_LEVEL: "warn",
    };
    const [cmd, ...args] = command.map((c) => (c.startsWith("/") && !c.startsWith("/bin/") && !existsSync(c) ? inStage(final, c) : c));
    const child = spawn(cmd!, args, { cwd, env, stdio: ["ignore", "inherit", "inherit"] });
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      const started = Date.now();
      let status = 0;
      while (Date.now() - started < HEALTH_DEADLINE_MS) {
        if (child.exitCode !== null) throw new CheckFailed(`the gateway exited with ${child.exitCode} before answering /health`);
        status = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status, () => 0);
        if (status === 200) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      if (status !== 200) throw new CheckFailed(`/health answered ${status || "nothing"} within ${HEALTH_DEADLINE_MS / 1000} s`);
      const readyMs = Date.now() - started;
      child.kill("SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<"late">((r) => (timer = setTimeout(() => r("late"), STOP_TIMEOUT_SECONDS * 1000)));
      const code = await Promise.race([exited, late]);
      clearTimeout(timer);
      if (code === "late") throw new CheckFailed(`SIGTERM did not stop the gateway within ${STOP_TIMEOUT_SECONDS} s`);
      if (code !== 0) throw new CheckFailed(`the gateway exited with ${code} on SIGTERM`);
      return `gateway image (${final.base}, ${command.join(" ")}): production install ok, /health 200 after ${readyMs} ms, clean exit on SIGTERM`;
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

try {
  console.log(await check());
} catch (err) {
  console.error(`gateway production install check failed: ${(err as Error).message}`);
  process.exit(1);
}
