import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{lib,functions,whatsapp-gateway,web,fakes,test,infra}/**/*.test.ts"],
    // The crash suite boots the stack as child processes: `npm run test:faults` (and .ci/run) runs it.
    exclude: [...configDefaults.exclude, "test/faults/**"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file opens its own embedded Postgres; two cores run two files at a time.
    fileParallelism: true,
  },
});
