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
import type { Broker, BrokerSchedule, FlowControl, PublishRequest, PublishResult } from "./broker.ts";
import { type QStashScheduleJson, toBrokerSchedule } from "./schedule-view.ts";
import { turnBatcher } from "../turn-batcher.ts";

/** Options of {@link QStashFetchBroker}. */
export interface QStashFetchBrokerOptions {
  /** `QSTASH_TOKEN`. */
  token: string;
  /** `QSTASH_URL`; default `https://qstash.upstash.io`. */
  baseUrl?: string;
  /** Retries of a call whose `fetch` throws (network errors, not deliveries). Default 3. */
  networkRetries?: number;
  /** The `fetch` to call. Default the global `fetch`. */
  fetch?: typeof fetch;
  /**
   * Send the publishes made in one event-loop turn as one `POST /v2/batch` of at most
   * `maxMessages` (default 100) each. Default off: every publish is its own request.
   */
  batch?: boolean | { maxMessages?: number };
}

type Published = { messageId: string; deduplicated?: boolean };

/** A publish waiting for its turn's batch. */
interface Queued {
  request: PublishRequest;
  headers: Headers;
  resolve(result: PublishResult): void;
  reject(err: unknown): void;
}

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
 * `{ "Content-Type": contentType, ...headers }` as the official client sends it: `Content-Type` and
 * `Upstash-*` names as they are, every other one as `Upstash-Forward-<name>`; names differing only
 * in case are joined (`Headers` semantics).
 */
function forwardHeaders(headers: Record<string, string> | undefined, contentType: string): Headers {
  const merged = new Headers({ "Content-Type": contentType, ...headers });
  const out = new Headers();
  merged.forEach((value, name) => out.set(name.startsWith("content-type") || name.startsWith("upstash-") ? name : `Upstash-Forward-${name}`, value));
  return out;
}

/** The headers the official client's `publish` sends for `request`. */
export function publishHeaders(request: PublishRequest): Headers {
  const h = forwardHeaders(request.headers, "application/json");
  h.set("Upstash-Method", "POST");
  if (request.notBefore !== undefined) h.set("Upstash-Not-Before", request.notBefore.toFixed(0));
  else if (request.delaySec !== undefined) h.set("Upstash-Delay", `${request.delaySec.toFixed(0)}s`);
  if (request.deduplicationId !== undefined) h.set("Upstash-Deduplication-Id", request.deduplicationId);
  if (request.retries !== undefined) h.set("Upstash-Retries", request.retries.toFixed(0));
  if (request.timeoutSec !== undefined) h.set("Upstash-Timeout", `${request.timeoutSec}s`);
  if (request.flowControl?.key) {
    h.set("Upstash-Flow-Control-Key", request.flowControl.key);
    h.set("Upstash-Flow-Control-Value", flowControlValue(request.flowControl));
  }
  if (request.label !== undefined) h.set("Upstash-Label", request.label);
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
  readonly #fetch: typeof fetch;
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

  /** One API call; resolves the response (status < 300) or throws `BrokerError`. */
  async #call(action: string, method: string, path: string, headers = new Headers(), body?: string): Promise<Response> {
    headers.set("Authorization", this.#auth);
    // As the official client: the path is joined unencoded and normalized by URL.
    const url = new URL(`${this.#base}/v2/${path}`).toString();
    let res: Response | undefined;
    for (let attempt = 0; !res; attempt++) {
      try {
        res = await this.#fetch(url, { method, headers, body });
      } catch (err) {
        if (attempt >= this.#retries) throw brokerError(action, undefined, err instanceof Error ? err.message : String(err), err);
        await new Promise((r) => setTimeout(r, Math.exp(attempt) * 50));
      }
    }
    if (res.status < 200 || res.status >= 300) {
      const text = await res.text();
      throw brokerError(action, res.status, text || `Error: status=${res.status}`);
    }
    return res;
  }

  /** The JSON answer of a call; a body that is not JSON is a `BrokerError`, as with the official client. */
  async #json<T>(action: string, res: Response): Promise<T> {
    try {
      return (await res.json()) as T;
    } catch (err) {
      throw brokerError(action, undefined, (err as Error).message, err);
    }
  }

  async publish(request: PublishRequest): Promise<PublishResult> {
    const action = `publish to ${request.url}`;
    let headers: Headers;
    try {
      headers = publishHeaders(request);
    } catch (err) {
      throw brokerError(action, undefined, (err as Error).message, err);
    }
    const enqueue = this.#enqueue;
    if (enqueue) return new Promise((resolve, reject) => enqueue({ request, headers, resolve, reject }));
    return this.#publishOne(request, headers);
  }

  async #publishOne(request: PublishRequest, headers: Headers): Promise<PublishResult> {
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
    const items = chunk.map(({ request, headers }) => ({ destination: request.url, headers: Object.fromEntries(headers), body: request.body, queue: request.queue }));
    let answers: (Published | Published[] | { error: string })[];
    try {
      answers = await this.#json(action, await this.#call(action, "POST", "batch", new Headers({ "Content-Type": "application/json" }), JSON.stringify(items)));
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
    h.set("Upstash-Cron", schedule.cron);
    if (schedule.retries !== undefined) h.set("Upstash-Retries", schedule.retries.toFixed(0));
    if (schedule.timeoutSec !== undefined) h.set("Upstash-Timeout", `${schedule.timeoutSec}s`);
    if (schedule.scheduleId) h.set("Upstash-Schedule-Id", schedule.scheduleId);
    const { scheduleId } = await this.#json<{ scheduleId: string }>(action, await this.#call(action, "POST", `schedules/${schedule.url}`, h, schedule.body));
    if (schedule.isPaused) await this.#call(action, "PATCH", `schedules/${scheduleId}/pause`);
    return scheduleId;
  }

  async listSchedules(): Promise<BrokerSchedule[]> {
    const res = await this.#call("schedule list", "GET", "schedules");
    return (await this.#json<QStashScheduleJson[]>("schedule list", res)).map(toBrokerSchedule);
  }

  async deleteSchedule(scheduleId: string): Promise<void> {
    try {
      await this.#call(`schedule delete of ${scheduleId}`, "DELETE", `schedules/${scheduleId}`);
    } catch (err) {
      if ((err as BrokerError).status !== 404) throw err;
    }
  }
}

function brokerError(action: string, status: number | undefined, detail: string, cause?: unknown): BrokerError {
  return new BrokerError(`QStash ${action} failed${status ? ` (${status})` : ""}: ${detail}. Check QSTASH_URL and QSTASH_TOKEN.`, { status, cause });
}
