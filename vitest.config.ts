import { configDefaults, defineConfig } from "vitest/config";

/**
 * Test suites by kind (`npm test` runs all three; `npm run test:unit`, `--project integration|e2e` one):
 * - unit: pure modules, no database, no server, no network; fast. Listed here by name.
 * - e2e: `npm start`'s stack driven in Chromium.
 * - integration: everything else (embedded Postgres, the fakes, servers), so a new file is never skipped.
 */
const UNIT = [
  "test/assistant/text.test.ts",
  "test/config/config.test.ts",
  "test/infra/config.test.ts",
  "test/jobs/outcome.test.ts",
  "test/lint/**/*.test.ts",
  "test/notifications/texts.test.ts",
  "test/outreach/requests.test.ts",
];
const E2E = ["test/e2e/**/*.test.ts"];
const ALL = ["{lib,functions,whatsapp-gateway,web,fakes,test,infra}/**/*.test.ts"];

export default defineConfig({
  test: {
    // The crash suite boots the stack as child processes: `npm run test:faults` (and .ci/run) runs it.
    exclude: [...configDefaults.exclude, "test/faults/**"],
    pool: "forks",
    // The migrated embedded database, built once and loaded by each file's openTestDatabase().
    globalSetup: ["test/support/migrated-snapshot.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file opens its own embedded Postgres; two cores run two files at a time.
    fileParallelism: true,
    // A project extends this config, and its include and exclude add to the ones here.
    projects: [
      { extends: true, test: { name: "unit", include: UNIT } },
      { extends: true, test: { name: "integration", include: ALL, exclude: [...UNIT, ...E2E] } },
      { extends: true, test: { name: "e2e", include: E2E } },
    ],
  },
});
