/**
 * `QStashFetchBroker`: the Broker port on QStash's HTTP API with `fetch` alone, for bundles where
 * the official `@upstash/qstash` client is too large (the Workers profile). Each call sends the
 * request the official client sends for the same input (path, `Upstash-*` headers, forwarded
 * headers under `Upstash-Forward-`, body), minus its informational telemetry headers; answers
 * are read the same way, and failures become `BrokerError` with the HTTP status.
 * `test/broker/qstash-broker.test.ts` runs one contract suite and a header-by-header comparison
 * against both.
 *
 * With `batch` on, the publishes made in one event-loop turn share one `POST /v2/batch` (each
 * item carries exactly the headers its single publish would); a publish alone in its turn is sent
 * as a single publish, and a broker refusing the batch with a 4xx gets single publishes instead.
 * Every caller still gets its own result or its own `BrokerError`.
 * @module
 */
import { BrokerError, ConfigError } from "../errors.ts";
import type { Broker, BrokerDlqEntry, BrokerDlqQuery, BrokerLogEntry, BrokerLogQuery, BrokerPage, BrokerQueue, BrokerSchedule, FlowControl, PublishRequest, PublishResult } from "./broker.ts";
import { type QStashScheduleJson, toBrokerSchedule } from "./schedule-view.ts";
import {
  CONTENT_TYPE, lowerCase, UPSTASH_CRON, UPSTASH_DEDUPLICATION_ID, UPSTASH_DELAY, UPSTASH_FLOW_CONTROL_KEY, UPSTASH_FLOW_CONTROL_VALUE,
  UPSTASH_FORWARD_PREFIX, UPSTASH_LABEL, UPSTASH_METHOD, UPSTASH_NOT_BEFORE, UPSTASH_PREFIX, UPSTASH_RETRIES, UPSTASH_SCHEDULE_ID,
  UPSTASH_TIMEOUT, UPSTASH_FAILURE_CALLBACK, UPSTASH_FAILURE_CALLBACK_RETRIES } from "../headers.ts";
import { listingParams, toBrokerRecord } from "./log-view.ts";
import { HeaderMap, headerValue } from "../util/header-map.ts";
import { turnBatcher } from "../util/turn-batcher.ts";

/**
 * What the broker client needs of `fetch`: the global `fetch` is one, and so is a lighter call
 * that answers only `status` and `text()` (`NODE_PARTS` passes one on pooled sockets).
 */
export type BrokerFetch = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<{ status: number; text(): Promise<string> }>;

/** Options of {@link QStashFetchBroker}. */
export interface QStashFetchBrokerOptions {
  /** `QSTASH_TOKEN`. */
  token: string;
  /** `QSTASH_URL`; default `https://qstash.upstash.io`. */
  baseUrl?: string | undefined;
  /** Retries of a call whose `fetch` throws (network errors, not deliveries). Default 3. */
  networkRetries?: number | undefined;
  /** The `fetch` to call (any {@link BrokerFetch}). Default the global `fetch`. */
  fetch?: BrokerFetch | undefined;
  /**
   * Send the publishes made in one event-loop turn as one `POST /v2/batch` of at most
   * `maxMessages` (default 100) each. Default off: every publish is its own request.
   */
  batch?: boolean | { maxMessages?: number } | undefined;
}

type Published = { messageId: string; deduplicated?: boolean };

/** A publish waiting for its turn's batch. */
interface Queued {
  request: PublishRequest;
  headers: Record<string, string>;
  resolve(result: PublishResult): void;
  reject(err: unknown): void;
}

/** The names as the official client sends them: lower-cased, as `Headers` holds them. */
const H = {
  contentType: lowerCase(CONTENT_TYPE),
  upstash: lowerCase(UPSTASH_PREFIX),
  forward: lowerCase(UPSTASH_FORWARD_PREFIX),
  method: lowerCase(UPSTASH_METHOD),
  notBefore: lowerCase(UPSTASH_NOT_BEFORE),
  delay: lowerCase(UPSTASH_DELAY),
  deduplicationId: lowerCase(UPSTASH_DEDUPLICATION_ID),
  retries: lowerCase(UPSTASH_RETRIES),
  timeout: lowerCase(UPSTASH_TIMEOUT),
  flowControlKey: lowerCase(UPSTASH_FLOW_CONTROL_KEY),
  flowControlValue: lowerCase(UPSTASH_FLOW_CONTROL_VALUE),
  label: lowerCase(UPSTASH_LABEL),
  failureCallback: lowerCase(UPSTASH_FAILURE_CALLBACK),
  failureCallbackRetries: lowerCase(UPSTASH_FAILURE_CALLBACK_RETRIES),
  cron: lowerCase(UPSTASH_CRON),
  scheduleId: lowerCase(UPSTASH_SCHEDULE_ID),
};

/** One publish answer (an object, or an array for a URL group) → `PublishResult`. */
function toResult(json: Published | Published[]): PublishResult {
  const one = Array.isArray(json) ? json[0] : json;
  return one.deduplicated ? { messageId: one.messageId, deduplicated: true } : { messageId: one.messageId };
}

/** `Upstash-Flow-Control-Value` as the official client writes it. */
function flowControlValue(fc: FlowControl): string {
  const parts = [
    fc.parallelism !== undefined ? `parallelism=${fc.parallelism}` : "",
    fc.rate !== undefined ? `rate=${fc.rate}` : "",
    fc.periodSec !== undefined ? `period=${fc.periodSec}s` : "",
  ].filter(Boolean);
  if (!parts.length) throw new ConfigError(`flowControl "${fc.key}" needs at least one of parallelism or rate.`);
  return parts.join(", ");
}

/**
 * `{ "Content-Type": contentType, ...headers }` as the official client sends it, as `Headers`
 * would hold it (names lower-cased, names differing only in case joined, values trimmed, a name
 * or value `Headers` refuses refused with a `TypeError`) but as a plain record: `content-type`
 * and `upstash-*` names as they are, every other one as `upstash-forward-<name>`.
 */
function forwardHeaders(headers: Record<string, string> | undefined, contentType: string): Record<string, string> {
  const given: Record<string, string> = { [CONTENT_TYPE]: contentType, ...headers };
  const merged = new HeaderMap();
  for (const name in given) merged.append(name, headerValue(name, String(given[name])));
  const pairs: [string, string][] = [];
  merged.forEach((value, name) => pairs.push([name, value]));
  // In name order, as `Headers` iterates: of two names that forward to one, the later wins there too.
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const out: Record<string, string> = {};
  for (const [name, value] of pairs) out[name.startsWith(H.contentType) || name.startsWith(H.upstash) ? name : H.forward + name] = value;
  return out;
}

/** The headers the official client's `publish` sends for `request` (lower-case names). */
export function publishHeaders(request: PublishRequest): Record<string, string> {
  const h = forwardHeaders(request.headers, "application/json");
  h[H.method] = "POST";
  if (request.notBefore !== undefined) h[H.notBefore] = request.notBefore.toFixed(0);
  else if (request.delaySec !== undefined) h[H.delay] = `${request.delaySec.toFixed(0)}s`;
  if (request.deduplicationId !== undefined) h[H.deduplicationId] = headerValue(UPSTASH_DEDUPLICATION_ID, String(request.deduplicationId));
  if (request.retries !== undefined) h[H.retries] = request.retries.toFixed(0);
  if (request.timeoutSec !== undefined) h[H.timeout] = `${request.timeoutSec}s`;
  if (request.flowControl?.key) {
    h[H.flowControlKey] = headerValue(UPSTASH_FLOW_CONTROL_KEY, String(request.flowControl.key));
    h[H.flowControlValue] = flowControlValue(request.flowControl);
  }
  if (request.label !== undefined) h[H.label] = headerValue(UPSTASH_LABEL, String(request.label));
  if (request.failureCallback !== undefined) h[H.failureCallback] = headerValue(UPSTASH_FAILURE_CALLBACK, request.failureCallback);
  if (request.failureCallbackRetries !== undefined) h[H.failureCallbackRetries] = request.failureCallbackRetries.toFixed(0);
  return h;
}

/**
 * The Broker port on QStash, over `fetch`.
 * @example
 * const broker = new QStashFetchBroker({ token: env.QSTASH_TOKEN, baseUrl: env.QSTASH_URL });
 * await broker.publish({ url: "https://app.example.com/tasks/main_send_email", body: envelope, delaySec: 10 });
 */
export class QStashFetchBroker implements Broker {
  readonly #base: string;
  readonly #auth: string;
  readonly #retries: number;
  readonly #fetch: BrokerFetch;
  readonly #enqueue: ((q: Queued) => void) | undefined;
  /** Set once the broker answered 404/405 to a batch: it has no `/v2/batch`. */
  #noBatch = false;

  constructor(options: QStashFetchBrokerOptions) {
    if (!options.token) throw new ConfigError("QStashFetchBroker needs a token: set QSTASH_TOKEN (the local broker prints one).");
    this.#base = (options.baseUrl ?? "https://qstash.upstash.io").replace(/\/$/, "");
    this.#auth = `Bearer ${options.token}`;
    this.#retries = options.networkRetries ?? 3;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    if (options.batch) {
      const max = (options.batch === true ? undefined : options.batch.maxMessages) ?? 100;
      if (!(max >= 1)) throw new ConfigError(`QStashFetchBroker batch.maxMessages must be at least 1 (got ${max}); leave it out for 100.`);
      this.#enqueue = turnBatcher(max, (chunk) => void this.#flush(chunk).catch((err) => chunk.forEach((q) => q.reject(err))));
    }
  }

  /** One API call; resolves the answer's text (status < 300) or throws `BrokerError`. */
  async #call(action: string, method: string, path: string, given: Record<string, string> = {}, body?: string): Promise<string> {
    // A copy: the caller's record may still go into a batch item, which must not carry the token.
    const headers = { ...given, authorization: this.#auth };
    // As the official client: the path is joined unencoded and normalized by URL.
    const url = new URL(`${this.#base}/v2/${path}`).toString();
    let res: Awaited<ReturnType<BrokerFetch>> | undefined;
    for (let attempt = 0; !res; attempt++) {
      try {
        res = await this.#fetch(url, { method, headers, body });
      } catch (err) {
        if (attempt >= this.#retries) throw brokerError(action, undefined, err instanceof Error ? err.message : String(err), err);
        await new Promise((r) => setTimeout(r, Math.exp(attempt) * 50));
      }
    }
    const text = await res.text();
    if (res.status < 200 || res.status >= 300) throw brokerError(action, res.status, text || `Error: status=${res.status}`);
    return text;
  }

  /** The JSON answer of a call; a body that is not JSON is a `BrokerError`, as with the official client. */
  #json<T>(action: string, text: string): T {
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw brokerError(action, undefined, (err as Error).message, err);
    }
  }

  async publish(request: PublishRequest): Promise<PublishResult> {
    const action = `publish to ${request.url}`;
    let headers: Record<string, string>;
    try {
      headers = publishHeaders(request);
    } catch (err) {
      throw brokerError(action, undefined, (err as Error).message, err);
    }
    const enqueue = this.#enqueue;
    if (enqueue) return new Promise((resolve, reject) => enqueue({ request, headers, resolve, reject }));
    return this.#publishOne(request, headers);
  }

  async #publishOne(request: PublishRequest, headers: Record<string, string>): Promise<PublishResult> {
    const action = `publish to ${request.url}`;
    const path = request.queue ? `enqueue/${request.queue}/${request.url}` : `publish/${request.url}`;
    return toResult(await this.#json<Published | Published[]>(action, await this.#call(action, "POST", path, headers, request.body)));
  }

  /** Send one turn's chunk: as one batch when it has several publishes, else (or when the batch is refused) singly. */
  async #flush(chunk: Queued[]): Promise<void> {
    if (chunk.length > 1 && !this.#noBatch && (await this.#batch(chunk))) return;
    for (const q of chunk) this.#publishOne(q.request, q.headers).then(q.resolve, q.reject);
  }

  /** Send `chunk` as one `POST /v2/batch` and settle every caller; false when a 4xx refused the batch as a whole. */
  async #batch(chunk: Queued[]): Promise<boolean> {
    const action = `batch publish of ${chunk.length} messages`;
    const items = chunk.map(({ request, headers }) => ({ destination: request.url, headers, body: request.body, queue: request.queue }));
    let answers: (Published | Published[] | { error: string })[];
    try {
      answers = await this.#json(action, await this.#call(action, "POST", "batch", { [H.contentType]: "application/json" }, JSON.stringify(items)));
      if (!Array.isArray(answers) || answers.length !== chunk.length) throw brokerError(action, undefined, `expected an array of ${chunk.length} answers, got ${JSON.stringify(answers).slice(0, 200)}`);
    } catch (err) {
      const status = (err as BrokerError).status ?? 0;
      if (status < 400 || status > 499) {
        chunk.forEach((q) => q.reject(err));
        return true;
      }
      // No /v2/batch here (404/405): stop trying it.
      this.#noBatch ||= status === 404 || status === 405;
      return false;
    }
    chunk.forEach((q, i) => {
      const a = answers[i];
      if ("error" in a) q.reject(brokerError(`publish to ${q.request.url}`, undefined, a.error));
      else q.resolve(toResult(a));
    });
    return true;
  }

  async cancel(messageId: string): Promise<boolean> {
    const action = `cancel of ${messageId}`;
    try {
      const json = await this.#json<{ cancelled?: number } | null>(action, await this.#call(action, "DELETE", `messages/${messageId}`));
      return (json?.cancelled ?? 1) > 0;
    } catch (err) {
      if ((err as BrokerError).status === 404) return false;
      throw err;
    }
  }

  async upsertSchedule(schedule: BrokerSchedule): Promise<string> {
    const action = `schedule ${schedule.scheduleId}`;
    const h = forwardHeaders(schedule.headers, "application/json");
    h[H.cron] = headerValue(UPSTASH_CRON, schedule.cron);
    if (schedule.retries !== undefined) h[H.retries] = schedule.retries.toFixed(0);
    if (schedule.timeoutSec !== undefined) h[H.timeout] = `${schedule.timeoutSec}s`;
    if (schedule.scheduleId) h[H.scheduleId] = headerValue(UPSTASH_SCHEDULE_ID, schedule.scheduleId);
    const { scheduleId } = await this.#json<{ scheduleId: string }>(action, await this.#call(action, "POST", `schedules/${schedule.url}`, h, schedule.body));
    if (schedule.isPaused) await this.#call(action, "PATCH", `schedules/${scheduleId}/pause`);
    return scheduleId;
  }

  async listSchedules(): Promise<BrokerSchedule[]> {
    const res = await this.#call("schedule list", "GET", "schedules");
    return (await this.#json<QStashScheduleJson[]>("schedule list", res)).map(toBrokerSchedule);
  }

  async deleteSchedule(scheduleId: string): Promise<void> {
    await this.#absent(this.#call(`schedule delete of ${scheduleId}`, "DELETE", `schedules/${scheduleId}`));
  }

  /** `call`, with a 404 answered as undefined. */
  async #absent<T>(call: Promise<T>): Promise<T | undefined> {
    try {
      return await call;
    } catch (err) {
      if ((err as BrokerError).status !== 404) throw err;
      return undefined;
    }
  }

  /** A page of a listing: `key` holds the records (`events` bodies are base64). */
  async #page<T>(path: string, key: string): Promise<BrokerPage<T>> {
    const action = `${key} list`;
    const page = this.#json<Record<string, unknown>>(action, await this.#call(action, "GET", path));
    const items = (page[key] as Record<string, unknown>[]).map((j) => toBrokerRecord<T>(j, key === "events"));
    return page.cursor ? { items, cursor: page.cursor as string } : { items };
  }

  listLogs(query: BrokerLogQuery = {}): Promise<BrokerPage<BrokerLogEntry>> {
    return this.#page(`events?${listingParams(query, 1000)}`, "events");
  }

  listDlq(query: BrokerDlqQuery = {}): Promise<BrokerPage<BrokerDlqEntry>> {
    return this.#page(`dlq?${listingParams(query, 100)}`, "messages");
  }

  async retryDlq(dlqId: string): Promise<string | undefined> {
    const action = `DLQ retry of ${dlqId}`;
    return this.#json<{ responses: { messageId: string }[] }>(action, await this.#call(action, "POST", `dlq/retry?dlqIds=${encodeURIComponent(dlqId)}`)).responses[0]?.messageId;
  }

  async deleteDlq(dlqId: string): Promise<boolean> {
    return (await this.#absent(this.#call(`DLQ delete of ${dlqId}`, "DELETE", `dlq/${dlqId}`))) !== undefined;
  }

  async upsertQueue(queue: { name: string; parallelism: number; paused: boolean }): Promise<void> {
    const body = JSON.stringify({ queueName: queue.name, parallelism: queue.parallelism, paused: queue.paused });
    await this.#call(`queue upsert of ${queue.name}`, "POST", "queues", { "content-type": "application/json" }, body);
  }

  async listQueues(): Promise<BrokerQueue[]> {
    return this.#json("queue list", await this.#call("queue list", "GET", "queues"));
  }
}

function brokerError(action: string, status: number | undefined, detail: string, cause?: unknown): BrokerError {
  return new BrokerError(`QStash ${action} failed${status ? ` (${status})` : ""}: ${detail}. Check QSTASH_URL and QSTASH_TOKEN.`, { status, cause });
}
