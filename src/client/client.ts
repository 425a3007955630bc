/**
 * `createClient()`: send tasks and read results, in two modes.
 * - direct: publish to a broker and read results from a backend (inside your backend services);
 * - HTTP: talk to a worker's publish API with its bearer token (from anywhere).
 * @module
 */
import type { Backend } from "../backend/backend.ts";
import type { Broker } from "../broker/broker.ts";
import { BrokerError, ConfigError } from "../errors.ts";
import { toRegistry } from "../task/registry.ts";
import type { AnyTask, Task, TasksByName } from "../task/task.ts";
import { AsyncResult, type ResultSource } from "../result/async-result.ts";
import { Publisher } from "../publish/publisher.ts";
import type { ResultView } from "../backend/result-view.ts";
import { backendResultSource } from "../publish/backend-source.ts";
import { checkSendOptions, type SendOptions } from "../task/send-options.ts";
import { manifestLookup, type TaskManifest } from "../publish/manifest.ts";
import { eagerMode, type Sender, setCurrentSender } from "../task/sender.ts";
import { type Canvas, isCanvas } from "../canvas/signature.ts";
import type { ResultIds } from "../canvas/freeze.ts";
import { type CanvasResult, GroupResult, toResult } from "../result/group-result.ts";
import { sendCanvas } from "../publish/send-canvas.ts";
import { fromCeleryTuple } from "../canvas/freeze.ts";

/** Direct mode: a broker and a backend. */
export interface DirectClientOptions {
  broker: Broker;
  backend: Backend;
  /** The worker's public base URL (the broker delivers to `<workerUrl>/tasks/<name>`). */
  workerUrl: string;
  /** Known tasks, so their options (queue, rate limit, time limit, expiry) shape the messages. */
  tasks?: Iterable<AnyTask> | Record<string, unknown> | undefined;
  /**
   * The task manifest (`celeriac manifest --out celeriac.manifest.json`), for a client that sends by
   * name without importing the tasks: their queue, rate limit, delivery timeout and default expiry
   * then hold as if the tasks were imported. Ignored when `tasks` is given.
   */
  manifest?: TaskManifest | undefined;
  /** Result TTL for revoke tombstones. Default 1 day. */
  resultExpiresMs?: number | undefined;
  /** Become the current client (`task.delay()`). Default true. */
  setAsCurrent?: boolean | undefined;
  /** Clock (epoch ms). Default `Date.now`. */
  now?: (() => number) | undefined;
}

/** HTTP mode: a worker URL and its API token. */
export interface HttpClientOptions {
  /** The worker's base URL. */
  url: string;
  /** The worker's `CELERIAC_API_TOKEN`. */
  token: string;
  /** Become the current client. Default true. */
  setAsCurrent?: boolean | undefined;
  /** Custom fetch (tests, proxies). */
  fetch?: typeof fetch | undefined;
}

type Names<M> = keyof TasksByName<M> & string;
type InputOf<M, N extends Names<M>> = TasksByName<M>[N] extends Task<any, any, infer In, any> ? In : never;
type OutputOf<M, N extends Names<M>> = TasksByName<M>[N] extends Task<any, infer O, any, any> ? O : never;

/**
 * A client. Pass your tasks' module type to check names and inputs without importing handlers:
 * `createClient<typeof import("./functions/index.ts")>(…)`.
 */
export interface Client<M = unknown> {
  /** Send a task by name (no import of the handler needed). */
  send: [Names<M>] extends [never] ? UntypedSend : TypedSend<M>;
  /** A handle on an existing task id. */
  result<O = unknown>(id: string): AsyncResult<O>;
  /** Restore a saved group's result by id (undefined when none is saved, or it expired). */
  groupResult<O extends unknown[] = unknown[]>(id: string): Promise<GroupResult<O> | undefined>;
  /** Revoke a task by id. */
  revoke(id: string, options?: { messageId?: string }): Promise<void>;
}

type UntypedSend = {
  <C extends Canvas>(canvas: C, options?: SendOptions): Promise<CanvasResult<C>>;
  <O = unknown>(name: string, input?: unknown, options?: SendOptions): Promise<AsyncResult<O>>;
  <I, O, In>(task: Task<I, O, In, any>, input: In, options?: SendOptions): Promise<AsyncResult<O>>;
};
type TypedSend<M> = {
  <C extends Canvas>(canvas: C, options?: SendOptions): Promise<CanvasResult<C>>;
  <N extends Names<M>>(name: N, input: InputOf<M, N>, options?: SendOptions): Promise<AsyncResult<OutputOf<M, N>>>;
  <I, O, In>(task: Task<I, O, In, any>, input: In, options?: SendOptions): Promise<AsyncResult<O>>;
};

/**
 * Eager mode (Celery's `task_always_eager`), for tests: every send runs the task inline with a
 * worker's full semantics and resolves once it is done; its retries and the tasks it sends run
 * inline too. Needs `celeriac/testing` imported (it holds the eager mode).
 */
export interface EagerClientOptions {
  eager: true;
  /** The tasks a send may run. */
  tasks: Iterable<AnyTask> | Record<string, unknown>;
  /** Where states are stored. Default a new in-memory backend. */
  backend?: Backend | undefined;
  /** Become the current client (`task.delay()` runs inline). Default true. */
  setAsCurrent?: boolean | undefined;
}

/** Create a client in direct mode (`broker` + `backend`), HTTP mode (`url` + `token`) or eager mode (`eager: true`, for tests). */
export function createClient<M = unknown>(options: DirectClientOptions | HttpClientOptions | EagerClientOptions): Client<M> {
  if ("eager" in options && options.eager) return eagerMode().client(options) as unknown as Client<M>;
  const client = "broker" in options ? directClient(options) : httpClient(options as HttpClientOptions);
  if (options.setAsCurrent ?? true) setCurrentSender(client as Sender);
  return client as Client<M>;
}

function nameOf(target: string | AnyTask): string {
  return typeof target === "string" ? target : target.name;
}

function directClient(o: DirectClientOptions): Client {
  const now = o.now ?? Date.now;
  const registry = o.tasks ? toRegistry(o.tasks) : o.manifest ? manifestLookup(o.manifest) : undefined;
  const publisher = new Publisher({ broker: o.broker, backend: o.backend, workerUrl: o.workerUrl, registry, now });
  const ttl = o.resultExpiresMs ?? 86_400_000;
  const source = backendResultSource(o.backend, o.broker, ttl, now);
  return {
    async send(target: string | AnyTask | Canvas, input?: unknown, options?: SendOptions) {
      if (isCanvas(target)) return toResult(await sendCanvas({ publisher, backend: o.backend, resultExpiresMs: ttl, registry }, target, input as SendOptions), source, now);
      const sent = await publisher.send(nameOf(target), input, options);
      return new AsyncResult(sent.id, source, { messageId: sent.messageId, now, runsUntilMs: sent.runsUntilMs, sentAt: now() });
    },
    result: (id) => new AsyncResult(id, source, { now }),
    groupResult: async (id) => restoreGroup(fromCeleryTuple(await o.backend.getGroup(id)), source),
    revoke: (id, opts) => source.revoke(id, opts),
  } as Client;
}

function restoreGroup(ids: ResultIds | undefined, source: ResultSource): GroupResult | undefined {
  return ids && "groupId" in ids ? (toResult(ids, source) as GroupResult) : undefined;
}

function httpClient(o: HttpClientOptions): Client {
  const base = o.url.replace(/\/+$/, "");
  const doFetch = o.fetch ?? fetch;
  const headers = { authorization: `Bearer ${o.token}`, "content-type": "application/json" };
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (cause) {
      throw new BrokerError(`Could not reach the worker at ${base}: ${(cause as Error).message}. Is it running, and is the URL right?`, { cause });
    }
    const text = await res.text();
    if (!res.ok) {
      let message = text;
      try {
        message = (JSON.parse(text) as { error?: string }).error ?? text;
      } catch { /* not JSON */ }
      if (res.status === 401) throw new ConfigError(`The worker refused the API token (401): ${message}. Use the worker's CELERIAC_API_TOKEN.`);
      throw new BrokerError(`${method} ${path} failed with ${res.status}: ${message}`, { status: res.status });
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }
  const source: ResultSource = {
    fetch: (id) => call<ResultView>("GET", `/api/results/${encodeURIComponent(id)}`),
    forget: (id) => call("DELETE", `/api/results/${encodeURIComponent(id)}`),
    revoke: (id, opts) => {
      const query = new URLSearchParams();
      if (opts?.messageId) query.set("messageId", opts.messageId);
      if (opts?.expiresAt !== undefined) query.set("until", String(opts.expiresAt));
      return call("POST", `/api/results/${encodeURIComponent(id)}/revoke${query.size ? `?${query}` : ""}`);
    },
  };
  return {
    async send(target: string | AnyTask | Canvas, input?: unknown, options?: SendOptions) {
      if (isCanvas(target)) {
        const sent = await call<{ result: ResultIds }>("POST", "/api/canvas", { canvas: target, options: input ?? {} });
        return toResult(sent.result, source);
      }
      checkSendOptions(options, Date.now()); // refused here, with SendOptionError, before any request
      const sent = await call<{ id: string; messageId?: string; runsUntil?: number }>("POST", `/api/tasks/${encodeURIComponent(nameOf(target))}`, {
        input,
        options: options ?? {},
      });
      return new AsyncResult(sent.id, source, { messageId: sent.messageId, runsUntilMs: sent.runsUntil, sentAt: Date.now() });
    },
    result: (id) => new AsyncResult(id, source),
    groupResult: async (id) => {
      const found = await call<{ result: ResultIds | null }>("GET", `/api/groups/${encodeURIComponent(id)}`).catch((e: BrokerError) => {
        if (e.status === 404) return { result: null };
        throw e;
      });
      return restoreGroup(found.result ?? undefined, source);
    },
    revoke: (id, opts) => source.revoke(id, opts),
  } as Client;
}
