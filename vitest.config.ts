import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The fault-injection scenarios run on their own: `npm run test:faults` (vitest.faults.config.ts).
    exclude: ["**/node_modules/**", "test/faults/**"],
    // A private redis-server on a free port for the whole run; tests read CELERIAC_TEST_REDIS_URL.
    globalSetup: ["test/support/global-redis.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
