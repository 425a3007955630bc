/**
 * Choosing the clients the environment's parts are built with: `fromEnv` defaults to the
 * official ones, `slim` picks the fetch-only ones, `envParts` any factories; the Workers adapter
 * passes its `envParts` (slim by default; test/runtime/workerd.test.ts shows the slim clients
 * making the Worker's calls in workerd).
 */
import { describe, expect, it } from "vitest";
import { createCloudflareWorker, type WorkersContext } from "../../src/adapters/cloudflare.ts";
import { MemoryBackend, RecordingBroker } from "../../src/testing/index.ts";
import type { RedisBackend } from "../../src/backend/redis/index.ts";
import { createJwtVerifier, QStashBroker, QStashFetchBroker } from "../../src/qstash.ts";
import { type EnvParts, fromEnv, OFFICIAL_PARTS, SLIM_PARTS } from "../../src/config/from-env.ts";
import * as tasks from "../../functions/index.ts";

const FULL = {
  UPSTASH_REDIS_REST_URL: "https://eu1-example.upstash.io",
  UPSTASH_REDIS_REST_TOKEN: "redis-token",
  QSTASH_TOKEN: "qstash-token",
  QSTASH_URL: "http://127.0.0.1:8080",
  QSTASH_CURRENT_SIGNING_KEY: "sig_current000000000000000000",
  QSTASH_NEXT_SIGNING_KEY: "sig_next000000000000000000000",
  CELERIAC_URL: "https://tasks.example.workers.dev/",
  CELERIAC_API_TOKEN: "api-token",
  CELERIAC_KEY_PREFIX: "app1",
  CELERIAC_RESULT_EXPIRES: "2h",
};

/** Factories that record what they were given and build in-memory parts. */
function spyParts() {
  const seen: Record<string, unknown> = {};
  const parts: EnvParts = {
    backend: (v) => ((seen.backend = v), new MemoryBackend()),
    broker: (v) => ((seen.broker = v), new RecordingBroker()),
    verifier: (v) => ((seen.verifier = v), createJwtVerifier(v)),
  };
  return { parts, seen };
}

describe("fromEnv part factories", () => {
  it("fromEnv builds the official clients by default and the fetch-only ones with slim", () => {
    expect(fromEnv(FULL).broker).toBeInstanceOf(QStashBroker);
    expect(fromEnv(FULL, { slim: true }).broker).toBeInstanceOf(QStashFetchBroker);
    expect(fromEnv(FULL, { envParts: OFFICIAL_PARTS, slim: true }).broker).toBeInstanceOf(QStashBroker);
    const slim = fromEnv(FULL, { envParts: SLIM_PARTS });
    expect(slim.backend.kind).toBe("redis");
    expect((slim.backend as RedisBackend).keys.result("x")).toBe("app1_celery-task-meta-x");
  });

  it("fromEnv hands each factory exactly its validated variables", () => {
    const { parts, seen } = spyParts();
    fromEnv(FULL, { envParts: parts });
    expect(seen).toEqual({
      backend: { url: FULL.UPSTASH_REDIS_REST_URL, token: "redis-token", prefix: "app1", resultExpiresMs: 7_200_000, disableTelemetry: false },
      broker: { token: "qstash-token", baseUrl: "http://127.0.0.1:8080" },
      verifier: { currentSigningKey: FULL.QSTASH_CURRENT_SIGNING_KEY, nextSigningKey: FULL.QSTASH_NEXT_SIGNING_KEY },
    });
  });

  it("fromEnv with slim still names every missing variable before building anything", () => {
    const { parts, seen } = spyParts();
    expect(() => fromEnv({ CELERIAC_URL: "https://x.example" }, { slim: true, runtime: "cloudflare" })).toThrow(/6 environment variables need attention/);
    expect(() => fromEnv({}, { envParts: parts })).toThrow(/UPSTASH_REDIS_REST_URL is missing/);
    expect(seen).toEqual({});
  });
});

describe("createCloudflareWorker envParts", () => {
  const ctx: WorkersContext = { waitUntil() {}, passThroughOnException() {} };

  it("workers adapter builds the parts from env with the envParts it is given", async () => {
    const { parts, seen } = spyParts();
    const w = createCloudflareWorker({ tasks, envParts: parts });
    const res = await w.fetch(new Request("http://w.test/healthz"), FULL, ctx);
    expect(await res.json()).toMatchObject({ ok: true, backend: "memory" });
    expect(Object.keys(seen).sort()).toEqual(["backend", "broker", "verifier"]);
  });

  it("workers adapter builds no part from env that is given in code", async () => {
    const { parts, seen } = spyParts();
    const w = createCloudflareWorker({ tasks, envParts: parts, broker: new RecordingBroker() });
    expect((await w.fetch(new Request("http://w.test/healthz"), FULL, ctx)).status).toBe(200);
    expect(Object.keys(seen).sort()).toEqual(["backend", "verifier"]);
  });
});
