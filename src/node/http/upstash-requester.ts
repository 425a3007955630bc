/**
 * `createNodeRequester`: the transport under the official `@upstash/redis` client on Node, on
 * celeriac's socket client (`socket-client.ts`, http: to a REST bridge and https: to Upstash)
 * instead of Node's global `fetch`, which cost about 12× its client CPU per request (the
 * figures are in `socket-client.ts`'s header, from `node --import tsx bench/http-clients.ts`).
 *
 * It plugs into the client's own extension point (`new Redis(requester)`), so every command,
 * pipeline, `multi()` and script of `@upstash/redis` works unmodified. Single commands issued in
 * the same event-loop turn are sent together as one `POST /pipeline` (what the client's
 * auto-pipelining does, which it switches off when given a requester); each caller still gets its
 * own reply or its own error. A lone command is sent on its own, so latency does not change.
 * While one such request is out, later commands wait and go together when it returns
 * (`maxInFlight`), so a busy client sends fewer, larger pipelines.
 *
 * Wire as the official client: `POST <url>/` with the JSON command array (`/pipeline`,
 * `/multi-exec` with an array of them), `Authorization: Bearer`, the read-your-writes sync token
 * echoed. Replies are read as plain JSON (no `Upstash-Encoding: base64`): values must be UTF-8,
 * which celeriac's JSON always is. `subscribe()`/`psubscribe()` stream Server-Sent Events, each
 * on its own node:http(s) connection (a long-lived stream must not hold a pooled socket).
 * @module
 */
import http from "node:http";
import https from "node:https";
import { errors, Redis, type Requester } from "@upstash/redis";
import { ConfigError } from "../../errors.ts";
import { AUTHORIZATION, CONTENT_TYPE, lowerCase, UPSTASH_SYNC_TOKEN } from "../../headers.ts";
import { turnBatcher } from "../../util/turn-batcher.ts";
import { createSocketClient, type NodeHttpClient } from "./socket-client.ts";

const SYNC_TOKEN = lowerCase(UPSTASH_SYNC_TOKEN);
const AUTHORIZATION_LOWER = lowerCase(AUTHORIZATION);
const CONTENT_TYPE_LOWER = lowerCase(CONTENT_TYPE);

/** A request out longer than this no longer holds back the next batch (see `maxInFlight`). */
const STALLED_MS = 1000;

/** No time limit on one request: a slow script must not be cut off and sent again. */
const REQUEST_TIMEOUT_MS = Infinity;

type UpstashRequest = Parameters<Requester["request"]>[0];
type UpstashResponse = { result?: unknown; error?: string };

/** Options of {@link createNodeRequester}. */
export interface NodeRequesterOptions {
  /** `UPSTASH_REDIS_REST_URL` (or the REST bridge's URL). A trailing `/` is ignored. */
  url: string;
  /** `UPSTASH_REDIS_REST_TOKEN`. */
  token: string;
  /** Retries of a request that failed on the network (HTTP errors are answers, never retried). Default 5, as the official client. */
  retries?: number | undefined;
  /** Milliseconds to wait before retry `n` (0-based). Default `Math.exp(n) * 50`, as the official client. */
  backoff?: ((retry: number) => number) | undefined;
  /** Echo the `upstash-sync-token` of the last response, so reads see earlier writes on replicas. Default true. */
  readYourWrites?: boolean | undefined;
  /** Most commands sent in one `/pipeline` request. Default 500. */
  maxBatch?: number | undefined;
  /** Most sockets open to the server at once. Default 64. */
  maxSockets?: number | undefined;
  /**
   * The HTTP client to send with instead of celeriac's own (`maxSockets` then does not apply);
   * the requester's `close()` calls its `close()`, and later requests go to it again. bench/
   * passes an undici one to compare.
   */
  client?: NodeHttpClient | undefined;
  /**
   * Requests of batched commands in flight at once; commands issued while that many are out wait
   * and go together in one `/pipeline` as soon as one returns (an idle client sends at once).
   * Fewer, larger requests cost the client, the server and Redis less per command (measured in
   * bench/: about 10% less CPU per task in a busy worker than with no limit). A request out for
   * over a second stops counting, so one that hangs does not hold the others. Default 1.
   */
  maxInFlight?: number | undefined;
}

/** A `Requester` for `new Redis(requester)`, with `close()` to drop its idle sockets. */
export interface NodeRequester extends Requester {
  /** Close the keep-alive sockets (requests after this open new ones). */
  close(): void;
}

interface Pending {
  command: unknown;
  resolve(reply: UpstashResponse): void;
  reject(err: unknown): void;
}

interface Answer {
  status: number;
  text: string;
}

/**
 * A requester for `@upstash/redis` on keep-alive sockets, batching a turn's commands.
 * @example
 * import { Redis } from "@upstash/redis";
 * const redis = new Redis(createNodeRequester({ url: process.env.UPSTASH_REDIS_REST_URL!, token: process.env.UPSTASH_REDIS_REST_TOKEN! }));
 */
export function createNodeRequester(options: NodeRequesterOptions): NodeRequester {
  if (!options?.url || !options.token) {
    throw new ConfigError("createNodeRequester needs `url` and `token`: set UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN.");
  }
  let base: URL;
  try {
    base = new URL(`${options.url.replace(/\/+$/, "")}/`);
  } catch {
    throw new ConfigError(`createNodeRequester: ${JSON.stringify(options.url)} is not a URL; set UPSTASH_REDIS_REST_URL to the database's REST URL (https://…).`);
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") {
    throw new ConfigError(`createNodeRequester: ${options.url} is not an http(s) URL; UPSTASH_REDIS_REST_URL is the REST URL, not redis://.`);
  }
  const transport = base.protocol === "https:" ? https : http;
  const retries = options.retries ?? 5;
  const backoff = options.backoff ?? ((n: number) => Math.exp(n) * 50);
  const maxBatch = options.maxBatch ?? 500;
  const auth = `Bearer ${options.token}`;

  // Requests after close() open new connections: celeriac's client is built anew.
  const ownClient = () => createSocketClient({ maxSockets: options.maxSockets ?? 64 });
  let client = options.client ?? ownClient();
  /** The URL of each path the requester posts to (`/`, `/pipeline`, `/multi-exec`), built once. */
  const urls = new Map<string, URL>();
  const urlOf = (path: string): URL => {
    let url = urls.get(path);
    if (!url) {
      url = new URL(path, base);
      if (urls.size < 100) urls.set(path, url);
    }
    return url;
  };

  /** One POST. */
  const postOnce = async (path: string, body: string): Promise<Answer> => {
    const headers: Record<string, string> = { [CONTENT_TYPE_LOWER]: "application/json", [AUTHORIZATION_LOWER]: auth };
    if (requester.readYourWrites && requester.upstashSyncToken) headers[SYNC_TOKEN] = requester.upstashSyncToken;
    const res = await client({ url: urlOf(path).href, method: "POST", headers, body: Buffer.from(body, "utf8"), timeoutMs: REQUEST_TIMEOUT_MS });
    const token = res.headers.get(SYNC_TOKEN);
    if (requester.readYourWrites && token !== null) requester.upstashSyncToken = token;
    const bytes = res.body;
    return { status: res.status, text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8") };
  };

  const post = async (path: string, body: string): Promise<Answer> => {
    for (let attempt = 0;; attempt++) {
      try {
        return await postOnce(path, body);
      } catch (err) {
        if (attempt >= retries) {
          throw new errors.UpstashError(
            `Redis REST request to ${base.origin}${path} failed after ${attempt + 1} attempts: ${(err as Error).message}. Check that UPSTASH_REDIS_REST_URL is right and the database is reachable.`,
            { cause: err },
          );
        }
        await new Promise((r) => setTimeout(r, backoff(attempt)));
      }
    }
  };

  const parseError = (text: string): string | undefined => {
    try {
      const json = JSON.parse(text) as { error?: unknown };
      return typeof json?.error === "string" ? json.error : undefined;
    } catch {
      return undefined;
    }
  };

  const parse = (answer: Answer, sent: string): unknown => {
    try {
      return JSON.parse(answer.text);
    } catch (err) {
      const text = answer.text.length > 200 ? `${answer.text.slice(0, 200)}…` : answer.text;
      throw new errors.UpstashError(`Redis REST answered ${answer.status} with a body that is not JSON (${text || "empty"}) to ${sent.slice(0, 200)}`, { cause: err });
    }
  };

  /** Send `body` to `path`; a non-2xx answer with `{error}` resolves as that error (the command then throws it). */
  const send = async (path: string, body: string): Promise<unknown> => {
    const answer = await post(path, body);
    const json = parse(answer, body) as UpstashResponse | UpstashResponse[];
    if (answer.status >= 200 && answer.status < 300) return json;
    const error = !Array.isArray(json) && typeof json?.error === "string" ? json.error : `HTTP ${answer.status}`;
    return { error: `${error}, command was: ${body.length > 500 ? `${body.slice(0, 500)}…` : body}` };
  };

  const flush = async (batch: Pending[]): Promise<void> => {
    try {
      if (batch.length === 1) {
        batch[0].resolve((await send(base.pathname, JSON.stringify(batch[0].command))) as UpstashResponse);
        return;
      }
      const replies = await send(`${base.pathname}pipeline`, JSON.stringify(batch.map((p) => p.command)));
      if (!Array.isArray(replies)) {
        for (const p of batch) p.resolve(replies as UpstashResponse);
        return;
      }
      batch.forEach((p, i) => p.resolve(replies[i] ?? { error: "the pipeline answer is missing this command's reply" }));
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  };

  const enqueue = turnBatcher<Pending>(maxBatch, flush, { maxInFlight: options.maxInFlight ?? 1, releaseAfterMs: STALLED_MS });

  /**
   * A streaming request (SUBSCRIBE over Server-Sent Events): resolves `{ result: 1 }` once the
   * server answers 200 (as the official client), then hands each `data:` line to `onMessage` until
   * the signal aborts or the server ends the stream. A refusal resolves as `{ error }`.
   */
  const stream = (path: string, req: UpstashRequest): Promise<UpstashResponse> =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify(req.body ?? []);
      const headers: Record<string, string> = { ...req.headers, [CONTENT_TYPE_LOWER]: "application/json", [AUTHORIZATION_LOWER]: auth, "content-length": String(Buffer.byteLength(body)) };
      const out = transport.request(new URL(path, base), { agent: false, method: "POST", headers }, (res) => {
        res.setEncoding("utf8");
        if (res.statusCode !== 200) {
          let text = "";
          res.on("data", (c: string) => (text += c));
          res.on("end", () => resolve({ error: `${(parseError(text) ?? `HTTP ${res.statusCode}`)}, command was: ${path}` }));
          return;
        }
        resolve({ result: 1 });
        let buffered = "";
        res.on("data", (chunk: string) => {
          buffered += chunk;
          let nl: number;
          while ((nl = buffered.indexOf("\n")) >= 0) {
            const line = buffered.slice(0, nl).replace(/\r$/, "");
            buffered = buffered.slice(nl + 1);
            if (line.startsWith("data: ")) req.onMessage?.(line.slice(6));
          }
        });
        res.on("error", () => {}); // an abort ends the stream; nothing is waiting on it any more
      });
      out.on("error", reject);
      // Stopping a stream is routine, not an error: close the connection without building an
      // AbortError (whose stack trace, source-mapped, cost more than the rest of the stream).
      const signal = req.signal;
      if (signal) {
        const stop = () => {
          out.destroy();
          // Stopped before the server answered: the subscribe call fails as an aborted fetch does.
          reject(Object.assign(new Error("the subscription was stopped before the server answered"), { name: "AbortError" }));
        };
        if (signal.aborted) stop();
        else signal.addEventListener("abort", stop, { once: true });
      }
      out.end(body);
    });

  const requester: NodeRequester = {
    readYourWrites: options.readYourWrites ?? true,
    upstashSyncToken: "",
    request<TResult>(req: UpstashRequest): Promise<{ result?: TResult; error?: string }> {
      if (req.isStreaming) return stream(`${base.pathname}${(req.path ?? []).join("/")}`, req) as Promise<{ result?: TResult }>;
      if (req.path?.length || req.headers || req.signal) {
        const path = `${base.pathname}${(req.path ?? []).join("/")}`;
        return send(path, JSON.stringify(req.body)) as Promise<{ result?: TResult }>;
      }
      return new Promise((resolve, reject) => enqueue({ command: req.body, resolve: resolve as Pending["resolve"], reject }));
    },
    close() {
      client.close();
      if (!options.client) client = ownClient();
    },
  };
  return requester;
}

/**
 * An `@upstash/redis` client on {@link createNodeRequester}: the official client, unmodified,
 * with celeriac's keep-alive socket client under it. What celeriac's Node adapter uses.
 * @example
 * const redis = nodeRedis({ url: process.env.UPSTASH_REDIS_REST_URL!, token: process.env.UPSTASH_REDIS_REST_TOKEN! });
 */
export function nodeRedis(options: NodeRequesterOptions): Redis & { close(): void } {
  const requester = createNodeRequester(options);
  return Object.assign(new Redis(requester), { close: () => requester.close() });
}
