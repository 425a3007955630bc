import { defineConfig } from "vitest/config";

// `npm run test:faults`: the fault-injection scenarios (test/faults/), one file at a time, each
// starting its own redis-server, bridge, brokers and workers as processes it kills and restarts.
export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 120_000,
  },
});
