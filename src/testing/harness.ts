/**
 * `createTestHarness()`: a worker for your tasks with an in-memory backend, a recording broker and
 * real signatures, driven in-process. Send a task, deliver what was published, read the result.
 * @module
 */
import type { Backend } from "../backend/backend.ts";
import { MemoryBackend } from "../backend/memory.ts";
import { createClient, type Client } from "../client/client.ts";
import { silentLogger, type Logger } from "../util/logger.ts";
import type { Timers } from "../execution/time-limit.ts";
import { UPSTASH_MESSAGE_ID, UPSTASH_RETRIED, UPSTASH_SIGNATURE } from "../headers.ts";
import type { Registry } from "../task/registry.ts";
import type { AnyTask } from "../task/task.ts";
import { qstashBodyHash, QStashSigner } from "../verify/qstash-jwt.ts";
import { createQStashVerifier } from "../verify/qstash-verifier.ts";
import { createWorker, type Worker } from "../worker/create-worker.ts";
import { RecordingBroker, type RecordedMessage } from "./recording-broker.ts";

/** Signing keys used by the harness (test-only values). */
export const TEST_SIGNING_KEYS = { current: "sig_testcurrent000000000000000", next: "sig_testnext000000000000000000" } as const;

/** Options of {@link createTestHarness}. */
export interface TestHarnessOptions {
  /** The tasks to serve: an array, a module namespace (`import * as tasks`), or a registry. */
  tasks: Registry | Iterable<AnyTask> | Record<string, unknown>;
  /** Where results live. Default a new `MemoryBackend` on the harness clock. */
  backend?: Backend | undefined;
  /** Clock (epoch ms). Default `Date.now`. */
  now?: (() => number) | undefined;
  /** Randomness for jitter. Default `Math.random`. */
  random?: (() => number) | undefined;
  /** `setTimeout`/`clearTimeout` for the time limits. Default the global ones. */
  timers?: Timers | undefined;
  /** Where the worker logs. Default `silentLogger`. */
  logger?: Logger | undefined;
  /** Bearer token of the worker's publish/results API. Default none (the API is off). */
  apiToken?: string | undefined;
  /** The worker's URL as the broker sees it. Default `http://worker.test`. */
  publicUrl?: string | undefined;
}

/** A worker in memory, its parts, and helpers to deliver what it published. */
export interface TestHarness {
  /** The worker under test (`worker.app.request()` drives it). */
  worker: Worker;
  /** The backend the worker writes results to. */
  backend: Backend;
  /** What the worker and `client` published, to `take()` and deliver. */
  broker: RecordingBroker;
  /** A client on the same broker and backend (not the current client). */
  client: Client;
  /** The worker's URL as the broker sees it. */
  publicUrl: string;
  /** POST a signed delivery of `message` (as recorded) to the worker. */
  deliver(message: Pick<RecordedMessage, "url" | "body"> & { messageId?: string }, options?: { retried?: number; signature?: string | null }): Promise<Response>;
  /** Deliver every recorded message (including ones published while draining), up to `limit`. */
  drain(limit?: number): Promise<Response[]>;
  /** A signature for `body` to `url` with `key` (default: the current test key), issued at `nowSec` (default: real time, as the signature check uses real time). */
  sign(url: string, body: string, key?: string, nowSec?: number): Promise<string>;
}

/**
 * A worker on a recording broker and an in-memory backend, with signed deliveries.
 * @example
 * const h = createTestHarness({ tasks: [add] });
 * const r = await h.client.send(add, { a: 2, b: 3 });
 * await h.drain();
 * await r.get(); // 5
 */
export function createTestHarness(o: TestHarnessOptions): TestHarness {
  const now = o.now ?? Date.now;
  const backend = o.backend ?? new MemoryBackend({ clock: now });
  const broker = new RecordingBroker();
  const publicUrl = o.publicUrl ?? "http://worker.test";
  const verifier = createQStashVerifier({ currentSigningKey: TEST_SIGNING_KEYS.current, nextSigningKey: TEST_SIGNING_KEYS.next });
  const worker = createWorker({
    tasks: o.tasks, backend, broker, verifier, publicUrl, apiToken: o.apiToken, now, random: o.random, timers: o.timers,
    logger: o.logger ?? silentLogger,
  });
  const client = createClient({ broker, backend, workerUrl: publicUrl, tasks: worker.runtime.registry, now, setAsCurrent: false });
  const sign = async (url: string, body: string, key: string = TEST_SIGNING_KEYS.current, nowSec = Date.now() / 1000) =>
    await new QStashSigner(key).sign({ url, bodyHash: await qstashBodyHash(body), nowSec });
  const deliver: TestHarness["deliver"] = async (message, options = {}) => {
    const headers: Record<string, string> = { "content-type": "application/json", [UPSTASH_RETRIED]: String(options.retried ?? 0) };
    const signature = options.signature === undefined ? await sign(message.url, message.body) : options.signature;
    if (signature !== null) headers[UPSTASH_SIGNATURE] = signature;
    if (message.messageId) headers[UPSTASH_MESSAGE_ID] = message.messageId;
    return await worker.app.request(message.url, { method: "POST", headers, body: message.body });
  };
  const drain = async (limit = 100) => {
    const responses: Response[] = [];
    for (let i = 0; i < limit; i++) {
      const next = broker.take();
      if (!next.length) break;
      for (const m of next) responses.push(await deliver(m));
    }
    return responses;
  };
  return { worker, backend, broker, client, publicUrl, deliver, drain, sign };
}
