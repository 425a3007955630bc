/**
 * What every runtime smoke test stands on: a real Redis behind the REST bridge, the local broker
 * on a real port (signing with per-run keys), the seven production variables pointing at them,
 * and a direct-mode client (the official QStash client to the broker, `@upstash/redis` to the
 * bridge) to send tasks and read results back through Redis.
 */
import { expect } from "vitest";
import { serve, type ServerType } from "@hono/node-server";
import { Redis } from "@upstash/redis";
import { RedisBackend } from "../../src/backend/redis/index.ts";
import { createLocalBroker, type LocalBroker } from "../../src/broker/local/index.ts";
import { QStashBroker } from "../../src/qstash.ts";
import { type Client, createClient } from "../../src/index.ts";
import type { StartedRedisRestBridge } from "../../src/node/redis-bridge/index.ts";
import { connectDirect, deleteByPrefix, type NodeRedis, randomPrefix, requireRedis, startBridge } from "../backend/redis-env.ts";
import { waitFor as waitUntil } from "../support/wait.ts";
export { freePort } from "../support/ports.ts";

export const ROOT = new URL("../../", import.meta.url).pathname;


/** Poll `check` until it returns a value (not undefined) or `timeoutMs` passes; then throw `what`. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  return (await waitUntil(check, { timeoutMs, what, intervalMs: 50 })) as T;
}

/** Wait until `url`/healthz answers 200, or `exited` settles first (the runtime died). */
export async function waitHealthy(url: string, timeoutMs: number, exited?: Promise<string>): Promise<void> {
  let died: string | undefined;
  void exited?.then((why) => (died = why));
  await waitFor(`${url}/healthz`, timeoutMs, async () => {
    if (died !== undefined) throw Object.assign(new Error(died), { fatal: true });
    const res = await fetch(`${url}/healthz`).catch(() => undefined);
    return res?.status === 200 ? true : undefined;
  }).catch((err) => {
    throw died !== undefined ? new Error(`the runtime exited before it was ready: ${died}`) : err;
  });
}

export interface Services {
  brokerUrl: string;
  broker: LocalBroker;
  bridge: StartedRedisRestBridge;
  /** The Redis key prefix of this run (CELERIAC_KEY_PREFIX). */
  prefix: string;
  /** The production variables for a worker reachable at `selfUrl`. */
  env(selfUrl: string): Record<string, string>;
  /** A direct-mode client for the worker at `selfUrl`. */
  client(selfUrl: string): Client;
  close(): Promise<void>;
}

/** Start Redis (checked; fails in CI when absent), the bridge and the local broker. Undefined when Redis is absent outside CI. */
export async function startServices(label: string): Promise<Services | undefined> {
  if (!(await requireRedis())) return undefined;
  const prefix = randomPrefix(`runtime-${label}`).replace(/:$/, "");
  const bridge = await startBridge();
  const keys = { current: `sig_${crypto.randomUUID().replaceAll("-", "")}`, next: `sig_${crypto.randomUUID().replaceAll("-", "")}` };
  const token = `qstash-${crypto.randomUUID()}`;
  const broker = createLocalBroker({ token, currentSigningKey: keys.current, nextSigningKey: keys.next, onError: () => {} });
  const { server, url: brokerUrl } = await new Promise<{ server: ServerType; url: string }>((resolve) => {
    const s = serve({ fetch: broker.fetch, hostname: "127.0.0.1", port: 0 }, (info) => resolve({ server: s, url: `http://127.0.0.1:${info.port}` }));
  });
  const apiToken = `api-${crypto.randomUUID()}`;
  const direct: NodeRedis = await connectDirect();
  return {
    brokerUrl,
    broker,
    bridge,
    prefix,
    env: (selfUrl) => ({
      UPSTASH_REDIS_REST_URL: bridge.url,
      UPSTASH_REDIS_REST_TOKEN: bridge.token,
      QSTASH_URL: brokerUrl,
      QSTASH_TOKEN: token,
      QSTASH_CURRENT_SIGNING_KEY: keys.current,
      QSTASH_NEXT_SIGNING_KEY: keys.next,
      CELERIAC_URL: selfUrl,
      CELERIAC_API_TOKEN: apiToken,
      CELERIAC_KEY_PREFIX: prefix,
    }),
    client: (selfUrl) =>
      createClient({
        broker: new QStashBroker({ token, baseUrl: brokerUrl }),
        backend: new RedisBackend({ redis: new Redis({ url: bridge.url, token: bridge.token, enableTelemetry: false }), resultExpiresMs: 600_000, prefix }),
        workerUrl: selfUrl,
        setAsCurrent: false,
      }),
    async close() {
      await new Promise<void>((resolve) => {
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      });
      await broker.close();
      await deleteByPrefix(direct, prefix);
      await direct.close();
      await bridge.close();
    },
  };
}

/**
 * The smoke scenario, the same on every runtime: send `math_add` directly (the test publishes
 * through the local broker), and again through the worker's own publish API (the runtime
 * publishes with the official QStash client); in both, the broker pushes a signed delivery, the
 * runtime runs the task and stores SUCCESS in Redis, where the client reads it.
 */
export async function runSmoke(
  services: Services, selfUrl: string, env: Record<string, string>,
): Promise<{ direct: unknown; viaApi: unknown; apiState: string; stored: string | null; dashboard: Record<string, unknown> }> {
  const client = services.client(selfUrl);
  const sent = await client.send<number>("math_add", { a: 2, b: 3 });
  const direct = await sent.get({ timeoutMs: 15_000 });

  const res = await fetch(`${selfUrl}/api/tasks/math_add`, {
    method: "POST",
    headers: { authorization: `Bearer ${env.CELERIAC_API_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ input: { a: 40, b: 2 } }),
  });
  if (res.status !== 202) throw new Error(`POST /api/tasks/math_add answered ${res.status}: ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  const viaApi = await client.result<number>(id).get({ timeoutMs: 15_000 });
  const view = (await (await fetch(`${selfUrl}/api/results/${id}`, { headers: { authorization: `Bearer ${env.CELERIAC_API_TOKEN}` } })).json()) as { state: string };

  const direct2 = await connectDirect();
  // Celery's result key under CELERIAC_KEY_PREFIX (Celery's global_keyprefix, to which a `_` is appended).
  const stored = await direct2.get(`${services.prefix}_celery-task-meta-${id}`);
  await direct2.close();
  return { direct, viaApi, apiState: view.state, stored, dashboard: await dashboardSmoke(selfUrl, env.CELERIAC_API_TOKEN, id) };
}

/** The dashboard on this runtime: 401 before signing in, a session after, and the task's page from the broker's log and Redis. */
async function dashboardSmoke(selfUrl: string, token: string, id: string): Promise<Record<string, unknown>> {
  const unauthorized = (await fetch(`${selfUrl}/dashboard/tasks`)).status;
  const signIn = await fetch(`${selfUrl}/dashboard/sign-in`, {
    method: "POST", redirect: "manual",
    headers: { origin: new URL(selfUrl).origin, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token }),
  });
  const cookie = signIn.headers.get("set-cookie")?.split(";")[0] ?? "";
  const task = (await (await fetch(`${selfUrl}/dashboard/api/tasks/${id}`, { headers: { cookie } })).json()) as { state?: string; attempts?: unknown[] };
  const page = await (await fetch(`${selfUrl}/dashboard/tasks/${id}`, { headers: { cookie } })).text();
  return { unauthorized, signIn: signIn.status, state: task.state, attempts: task.attempts?.length, pageShowsTask: page.includes(`<h1 class="mono id-title">${id}</h1>`) };
}

/** What every runtime's smoke run must show: both sends succeeded and the result is in Redis. */
export function expectSmokeSucceeded(r: Awaited<ReturnType<typeof runSmoke>>): void {
  expect(r.direct).toBe(5);
  expect(r.viaApi).toBe(42);
  expect(r.apiState).toBe("SUCCESS");
  expect(JSON.parse(r.stored!)).toMatchObject({ status: "SUCCESS", result: 42 });
  expect(r.dashboard).toEqual({ unauthorized: 401, signIn: 303, state: "SUCCESS", attempts: 1, pageShowsTask: true });
}
