/**
 * The URL of the suite's private redis-server, which the global setup (test/support/global-redis.ts)
 * starts on a free port. There is no fallback to a default Redis: a test run without the setup
 * fails here instead of writing into someone else's Redis.
 */
const url = process.env.CELERIAC_TEST_REDIS_URL;
if (!url) {
  throw new Error("CELERIAC_TEST_REDIS_URL is not set: run the tests with vitest (its global setup starts a private redis-server), not on their own.");
}

/** `redis://127.0.0.1:<port>` of the suite's own redis-server. */
export const TEST_REDIS_URL: string = url;
