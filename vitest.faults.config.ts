import { defineConfig } from "vitest/config";

// `npm run test:faults`: the fault-injection scenarios (test/faults/), one file at a time, each
// starting its own redis-server, bridge, brokers and workers as processes it kills and restarts.
export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts"],
    fileParallelism: false,
    // The suite's private redis-server too (test/backend/redis-env.ts reads its URL); never 6379.
    globalSetup: ["test/support/global-redis.ts"],
    testTimeout: 240_000,
    hookTimeout: 120_000,
  },
});
