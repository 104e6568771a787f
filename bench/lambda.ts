/**
 * The Lambda entry's bundle size and cold import time. Builds functions/lambda.ts and a cron entry the way SST
 * does (esbuild, one ESM file, everything bundled, minified), then imports each bundle in fresh Node processes and
 * times the import: module evaluation plus the top-level build of the services, which is what a cold start pays
 * before the first request. A minimal `handle(new Hono())` bundle is the baseline, so the ratio says what our code
 * adds on this machine. `npx tsx bench/lambda.ts`
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { build, type Metafile } from "esbuild";
import { SECRET_ENV } from "../infra/secret-env.js";

const ROOT = resolve(import.meta.dirname, "..");
const RUNS = 7;

// SST's ESM banner: bundled CommonJS dependencies still call require().
const BANNER = `import { createRequire as __sstCreateRequire } from "module"; const require = __sstCreateRequire(import.meta.url);`;

/** `entry` is a file, or source code resolved from the repository root. */
async function bundle(
  entry: string | { contents: string },
  outdir: string,
  name: string,
): Promise<{ file: string; metafile: Metafile }> {
  const file = join(outdir, `${name}.mjs`);
  const result = await build({
    ...(typeof entry === "string"
      ? { entryPoints: [entry] }
      : { stdin: { contents: entry.contents, resolveDir: ROOT, loader: "ts" as const, sourcefile: `${name}.ts` } }),
    outfile: file,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    minify: true,
    metafile: true,
    banner: { js: BANNER },
    logLevel: "error",
  });
  return { file, metafile: result.metafile };
}

/** What the deployed function's environment looks like; nothing here is reached over the network at import. */
function lambdaEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    SUPABASE_URL: "https://bench.supabase.co",
    PUBLIC_URL: "https://bench.lambda-url.eu-central-1.on.aws",
    GATEWAY_URL: "https://wa.bench.example",
    YCLIENTS_APPLICATION_ID: "1",
    LOG_LEVEL: "silent",
    SST_RESOURCE_App: JSON.stringify({ name: "ai-admin", stage: "bench" }),
    ...Object.fromEntries(SECRET_ENV.map((s) => [`SST_RESOURCE_${s.name}`, JSON.stringify({ value: `bench-${s.name}-0123456789abcdef` })])),
  };
}

/** Median of fresh-process import times, in ms: each run is a cold start of the module graph. */
function coldImportMs(file: string): number {
  const probe = `const t = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t));`;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", probe], { env: lambdaEnv(), encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    times.push(Number(out));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Bytes each package (or our own code) contributes to the bundle, largest first. */
function contributors(metafile: Metafile, top = 6): Array<[string, number]> {
  const sizes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const key = m ? m[1]! : "(our code)";
      sizes.set(key, (sizes.get(key) ?? 0) + bytesInOutput);
    }
  }
  return [...sizes.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
}

const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;

export async function benchLambda(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "bench-lambda-"));
  try {
    const baseline = await bundle(
      {
        contents: `import { Hono } from "hono"; import { handle } from "hono/aws-lambda";
export const handler = handle(new Hono().get("/health", (c) => c.json({ ok: true })));`,
      },
      dir,
      "baseline",
    );
    const api = await bundle(join(ROOT, "functions/lambda.ts"), dir, "api");
    const cron = await bundle(join(ROOT, "functions/crons/lambda.ts"), dir, "cron");

    const rows: Array<[string, string, string, string, string]> = [];
    const baseMs = coldImportMs(baseline.file);
    for (const [label, b] of [
      ["hono baseline", baseline],
      ["functions/lambda.ts", api],
      ["cron wrapper", cron],
    ] as const) {
      const bytes = statSync(b.file).size;
      const gz = gzipSync(readFileSync(b.file)).length;
      const ms = b === baseline ? baseMs : coldImportMs(b.file);
      rows.push([label, kb(bytes), kb(gz), `${ms.toFixed(0)} ms`, `${(ms / baseMs).toFixed(1)}×`]);
    }
    const header: [string, string, string, string, string] = ["bundle", "size", "gzip", "cold import (median of 7)", "vs baseline"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ");
    return [
      line(header),
      ...rows.map(line),
      "",
      `largest parts of functions/lambda.ts: ${contributors(api.metafile).map(([k, v]) => `${k} ${kb(v)}`).join(", ")}`,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("bench/lambda.ts")) {
  console.log((await benchLambda()).join("\n"));
}
