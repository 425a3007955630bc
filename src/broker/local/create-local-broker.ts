/**
 * The local broker: a QStash v2 wire-compatible push broker that the official `@upstash/qstash`
 * `Client` and `Receiver` cannot tell from QStash. Mount `broker.app` (it serves `/v2/...`) or
 * serve it alone (`celeriac broker`).
 * @module
 */

import type { Hono } from "hono";
import { QStashSigner, type TokenSigner } from "../../verify/qstash-jwt.ts";
import { createBrokerApp, type Routes } from "./http/app.ts";
import type { Deliver } from "./delivery/delivery.ts";
import { DEV_CURRENT_SIGNING_KEY, DEV_NEXT_SIGNING_KEY, DEV_TOKEN } from "./dev-credentials.ts";
import { BrokerEngine } from "./engine/engine.ts";
import { IdFactory, type Random } from "./message/ids.ts";
import { MemoryStore } from "./store/memory-store.ts";
import type { BrokerStore } from "./store/store.ts";
import { batchRoutes } from "./http/batch.ts";
import { dlqRoutes } from "./http/dlq.ts";
import { eventRoutes } from "./http/events.ts";
import { keyRoutes } from "./http/keys.ts";
import { messageRoutes } from "./http/messages.ts";
import { publishRoutes } from "./http/publish-routes.ts";
import { flowControlRoutes } from "./http/flow-control-routes.ts";
import { queueRoutes } from "./http/queues.ts";
import { scheduleRoutes } from "./http/schedules.ts";
import { topicRoutes } from "./http/topics.ts";
import { installCallbacks } from "./engine/callbacks.ts";
import { BrokerScheduleFirer } from "./engine/schedule-firer.ts";
import { DirectBroker } from "./direct-broker.ts";

/** Options of {@link createLocalBroker}. */
export interface LocalBrokerOptions {
  /** Bearer token clients must send (`QSTASH_TOKEN`). Default: the public dev token. */
  token?: string | undefined;
  /** Key that signs deliveries. Default: the public dev current key. */
  currentSigningKey?: string | undefined;
  /** Key published as `next` (after rotation it signs). Default: the public dev next key. */
  nextSigningKey?: string | undefined;
  /** The clock in ms. Default `Date.now`. When injected, no timers run: drive time with `advance()` / `runDue()`. */
  now?: (() => number) | undefined;
  /** Randomness in [0, 1) for ids. Default `crypto.getRandomValues`. */
  random?: Random | undefined;
  /** Sends one delivery. Default global `fetch`; Node passes `createNodeDeliver()` (keep-alive node:http, ~2× faster). */
  deliver?: Deliver | undefined;
  /** Makes the token signer for a key. Default Web Crypto (`QStashSigner`); Node passes `createNodeSigner` (same bytes, synchronous, several times faster). */
  createSigner?: ((key: string) => TokenSigner) | undefined;
  /** Where state lives. Default a new `MemoryStore`. */
  store?: BrokerStore | undefined;
  /** Deliveries in flight at once. Default 64. */
  maxConcurrency?: number | undefined;
  /** Retries when `Upstash-Retries` is absent. Default 3 (QStash's). */
  defaultRetries?: number | undefined;
  /** Per-attempt HTTP timeout when `Upstash-Timeout` is absent, ms. Default 900 000 (15 min, QStash free plan). */
  timeoutMs?: number | undefined;
  /** Deduplication window, ms. Default 600 000 (10 min, QStash docs). */
  dedupWindowMs?: number | undefined;
  /** Multiplies every retry delay (e.g. 0.001 in tests). Default 1. */
  retryDelayScale?: number | undefined;
  /**
   * Largest message body accepted over HTTP, bytes; a larger publish, enqueue or schedule gets 413
   * (a batch request may carry up to 10 such bodies' worth). Default 1 MiB (QStash's free plan).
   */
  maxBodyBytes?: number | undefined;
  /** Unexpected internal errors (never thrown at callers). Default `console.error`. */
  onError?: ((err: unknown) => void) | undefined;
}

/** A running local broker. */
export interface LocalBroker {
  /** The Hono app serving `/v2/...`. */
  readonly app: Hono;
  /** `app.fetch`, for `serve()` or Deno's `serve`. */
  readonly fetch: (request: Request) => Response | Promise<Response>;
  readonly token: string;
  /** The current and next signing keys. */
  readonly keys: { current: string; next: string };
  readonly store: BrokerStore;
  /** The broker's clock (ms), including `advance()`d time. */
  now(): number;
  /** Move the clock forward by `ms` and deliver everything that became due; settles when those deliveries finished. */
  advance(ms: number): Promise<void>;
  /** Deliver everything due now (retries that fall due meanwhile included); settles when finished. */
  runDue(): Promise<void>;
  /** Settles when nothing is in flight. */
  idle(): Promise<void>;
  /** Key rotation: next becomes current, `newNext` (default random `sig_…`) becomes next. */
  rotateKeys(newNext?: string): { current: string; next: string };
  /** The Broker port straight into this broker (no HTTP): same messages as `QStashBroker` pointed at `app`. */
  readonly direct: DirectBroker;
  /** Stop timers, wait for in-flight deliveries, close the store. */
  close(): Promise<void>;
}

const ROUTES: Routes[] = [publishRoutes, batchRoutes, messageRoutes, dlqRoutes, eventRoutes, keyRoutes, queueRoutes, topicRoutes, flowControlRoutes];

/**
 * Create a local broker.
 * @example
 * const broker = createLocalBroker();
 * serve({ fetch: broker.fetch, port: 8080 }); // QSTASH_URL=http://127.0.0.1:8080
 */
export function createLocalBroker(options: LocalBrokerOptions = {}): LocalBroker {
  const store = options.store ?? new MemoryStore();
  const token = options.token ?? DEV_TOKEN;
  const engine = new BrokerEngine({
    store,
    now: options.now ?? Date.now,
    timers: options.now === undefined,
    deliver: options.deliver ?? ((req) => fetch(req)),
    createSigner: options.createSigner ?? ((key) => new QStashSigner(key)),
    currentSigningKey: options.currentSigningKey ?? DEV_CURRENT_SIGNING_KEY,
    nextSigningKey: options.nextSigningKey ?? DEV_NEXT_SIGNING_KEY,
    ids: new IdFactory(options.random),
    maxConcurrency: options.maxConcurrency ?? 64,
    defaultRetries: options.defaultRetries ?? 3,
    timeoutMs: options.timeoutMs ?? 900_000,
    dedupWindowMs: options.dedupWindowMs ?? 600_000,
    retryDelayScale: options.retryDelayScale ?? 1,
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    onError: options.onError ?? ((err) => console.error("[celeriac broker]", err)),
  });
  const runner = new BrokerScheduleFirer(engine);
  installCallbacks(engine);
  const ready = engine.start();
  const app = createBrokerApp(engine, token, [...ROUTES, (ctx) => scheduleRoutes(ctx, runner)], ready);
  let closed: Promise<void> | undefined;
  return {
    app,
    fetch: app.fetch,
    token,
    get keys() {
      return engine.keys;
    },
    store,
    now: () => engine.now(),
    async advance(ms: number) {
      await ready;
      engine.advanceClock(ms);
      await engine.scheduler.runDue();
    },
    runDue: () => ready.then(() => engine.scheduler.runDue()),
    idle: () => engine.scheduler.idle(),
    rotateKeys: (newNext?: string) => engine.rotateKeys(newNext),
    direct: new DirectBroker(engine, runner, ready),
    close() {
      closed ??= engine.close().then(() => store.close());
      return closed;
    },
  };
}
