import { defineConfig } from "vitest/config";

/** `npm run test:faults`: the crash suite, apart from `npm test` (each file boots the stack several times). */
export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts"],
    pool: "forks",
    // A chain boots the stack three times; 72 s idle, minutes on a loaded machine.
    testTimeout: 480_000,
    hookTimeout: 60_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});
