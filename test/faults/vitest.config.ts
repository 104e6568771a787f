import { defineConfig } from "vitest/config";

/** `npm run test:faults`: the crash suite, apart from `npm test` (each file boots the stack several times). */
export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts"],
    pool: "forks",
    // A chain boots the stack three or four times: 35–160 s in CI, minutes on a loaded machine.
    testTimeout: 480_000,
    hookTimeout: 60_000,
    fileParallelism: true,
    // The chains mostly wait (leases, spacing, restarts): three at a time on two cores, so the longest (accept, which
    // waits out an assistant turn's 120 s lease) sets the suite's time rather than the sum over two workers.
    maxWorkers: 3,
  },
});
