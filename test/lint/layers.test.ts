/**
 * `npm run lint` (.dependency-cruiser.mjs): an import across a layer, or a cycle, fails the lint naming its rule;
 * an import the layering allows does not.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

interface Lint {
  exitCode: number;
  violations: string[];
}

/** Runs a dependency-cruiser command in cwd; each violation it prints as "rule: from -> to". */
function lint(cwd: string, command: string, args: string[]): Promise<Lint> {
  return new Promise((done) => {
    execFile(command, args, { cwd }, (err, stdout, stderr) => {
      // "  error rule: from → \n      via →\n      to" per violation, then a summary line.
      const violations = [...`${stdout}${stderr}`.matchAll(/^\s*error ([\w-]+): ([^]*?)(?=^\s*error |^\s*$)/gm)]
        .map(([, rule, path]) => `${rule}: ${path!.trim().split(/\s*→\s*/).join(" -> ")}`);
      done({ exitCode: err ? Number(err.code) : 0, violations });
    });
  });
}

describe("the layering lint on a tree with one import of each kind", () => {
  const tree = mkdtempSync(join(tmpdir(), "ai-admin-lint-"));
  afterAll(() => rmSync(tree, { recursive: true, force: true }));
  const files: Record<string, string> = {
    "tsconfig.json": JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", strict: true } }),
    "lib/clock.ts": "export const now = () => new Date();\n",
    "lib/contract/events.ts": 'import { now } from "../clock.js";\nexport const at = now;\n',
    "lib/salons/gate.ts": "export const acceptsWork = true;\n",
    "lib/salons/uses-services.ts": 'import type { Services } from "../../functions/services.js";\nexport type S = Services;\n',
    "lib/salons/uses-gateway.ts": 'import { send } from "../../whatsapp-gateway/send.js";\nexport const s = send;\n',
    "lib/dispatch/leaks.ts": 'import { acceptsWork } from "../salons/gate.js";\nexport const a = acceptsWork;\n',
    "lib/cycle/a.ts": 'import type { B } from "./b.js";\nexport interface A { b: B }\n',
    "lib/cycle/b.ts": 'import type { A } from "./a.js";\nexport interface B { a: A }\n',
    "functions/services.ts": 'import { acceptsWork } from "../lib/salons/gate.js";\nexport interface Services { ok: typeof acceptsWork }\n',
    "whatsapp-gateway/send.ts": 'import { at } from "../lib/contract/events.js";\nimport { now } from "../lib/clock.js";\nexport const send = [at, now];\n',
    "whatsapp-gateway/domain.ts": 'import { acceptsWork } from "../lib/salons/gate.js";\nexport const d = acceptsWork;\n',
    "whatsapp-gateway/functions.ts": 'import type { Services } from "../functions/services.js";\nexport type S = Services;\n',
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(tree, path)), { recursive: true });
    writeFileSync(join(tree, path), text);
  }
  const run = lint(tree, join(ROOT, "node_modules/.bin/depcruise"), ["--no-cache", "--config", join(ROOT, ".dependency-cruiser.mjs"), "lib", "functions", "whatsapp-gateway"]);

  it("fails, naming the rule for each forbidden import and the cycle", async () => {
    const { exitCode, violations } = await run;
    expect(exitCode).toBe(violations.length);
    expect(violations.sort()).toEqual([
      "gateway-imports-contract-only: whatsapp-gateway/domain.ts -> lib/salons/gate.ts",
      "gateway-imports-no-functions: whatsapp-gateway/functions.ts -> functions/services.ts",
      "infra-stays-infra: lib/dispatch/leaks.ts -> lib/salons/gate.ts",
      "lib-imports-no-app: lib/salons/uses-gateway.ts -> whatsapp-gateway/send.ts",
      "lib-imports-no-app: lib/salons/uses-services.ts -> functions/services.ts",
      "no-cycle: lib/cycle/a.ts -> lib/cycle/b.ts -> lib/cycle/a.ts",
    ]);
  });

  it("lets the functions import lib/ and the gateway import the contract and shared infrastructure", async () => {
    const { violations } = await run;
    expect(violations.filter((v) => v.includes("functions/services.ts ->") || v.includes("whatsapp-gateway/send.ts ->"))).toEqual([]);
  });
});

describe("npm run lint on this tree", () => {
  it("finds no violation", async () => {
    const { exitCode, violations } = await lint(ROOT, "npm", ["run", "--silent", "lint"]);
    expect(violations).toEqual([]);
    expect(exitCode).toBe(0);
  });
});
