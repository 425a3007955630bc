/**
 * The Redis REST bridge: a Hono app that speaks the Upstash Redis REST protocol over a real Redis,
 * so the unmodified `@upstash/redis` client works against a self-hosted Redis (CI, dev, or users
 * without Upstash). Spec: `shared/reference/redis-rest.md` §1 and §4.
 *
 * Endpoints: `POST /` (one JSON command), `POST /pipeline`, `POST /multi-exec`, the path form
 * `GET|POST|PUT|HEAD /<command>/<arg>…?<OPTION>=<value>`, and Pub/Sub as Server-Sent Events:
 * `GET|POST /subscribe/<channel>` and `/psubscribe/<pattern>` (what `redis.subscribe()` and
 * `redis.psubscribe()` of `@upstash/redis` use; one channel or pattern per stream, a `/` inside it
 * percent-encoded). Statuses: 200 on success (pipeline and transaction items carry their own
 * `{error}`; a subscription answers a `text/event-stream` once Redis has confirmed it, see
 * `redis-rest-subscriptions.ts`), 400 for a Redis error on a single command, a discarded
 * transaction or a malformed request, 401 for a missing or wrong token, 405 for other methods,
 * 503 while Redis is unreachable. SUBSCRIBE and the other subscription commands sent as JSON
 * commands are refused (400): they only exist as streams.
 * @module
 */
import { Buffer } from "node:buffer";
import { timingSafeEqual } from "node:crypto";
import { Hono, type Context } from "hono";
import { ErrorReply } from "redis";
import { ConfigError } from "../../errors.ts";
import { lowerCase, UPSTASH_ENCODING, UPSTASH_RESPONSE_FORMAT } from "../../headers.ts";
import { checkCommand } from "./command.ts";
import { RedisConnection, type RedisConnectionOptions } from "./connection.ts";
import { commandOptions, runCommand, runPipeline, runTransaction } from "./execute.ts";
import { errorJson, itemsJson, resultJson } from "./reply.ts";
import { RedisSubscriber, type SubscriptionKind } from "./subscriber.ts";
import { SubscriptionStreams } from "./subscriptions.ts";

/** Options of {@link createRedisRestBridge}. */
export interface RedisRestBridgeOptions extends RedisConnectionOptions {
  /** The bearer token clients must send (`UPSTASH_REDIS_REST_TOKEN`). Required, non-empty. */
  token: string;
  /** Largest accepted request body, in bytes. Default 10 MiB (Upstash's limit). */
  maxRequestBytes?: number | undefined;
  /**
   * Fail a command (HTTP 503) when Redis has not answered it within this many ms. Default 0: no
   * per-command timer (it costs ~20 µs per command); a dead Redis is detected by the socket.
   */
  commandTimeoutMs?: number | undefined;
  /** Interval of the keep-alive comment on open `/subscribe` streams, in ms; 0 turns it off. Default 30000. */
  subscriptionHeartbeatMs?: number | undefined;
}

/** The bridge: a Hono app (serve `bridge.fetch`) plus control of its Redis connection. */
export type RedisRestBridge = Hono & {
  /** The Redis URL the bridge forwards to, password hidden (for messages). */
  readonly redisLabel: string;
  /**
   * Resolves once Redis answers; rejects with the last connection error after `timeoutMs`
   * (default 5000), or at the first failed attempt with `failFast`.
   */
  waitUntilReady(timeoutMs?: number, options?: { failFast?: boolean }): Promise<void>;
  /**
   * Ends every open `/subscribe` stream (each first gets an `unsubscribe` event) and refuses new
   * ones. `close()` does it too; an HTTP server waits for open streams before it closes, so call
   * this first when you close the server yourself.
   */
  closeSubscriptions(): void;
  /**
   * Ends the subscription streams, closes the subscriber connection, and closes the Redis
   * connection if the bridge created it (a client you passed in stays open).
   */
  close(): Promise<void>;
};

/** The request headers read, lower-cased once (Node keys `IncomingMessage.headers` in lower case). */
const RESPONSE_FORMAT = lowerCase(UPSTASH_RESPONSE_FORMAT);
const ENCODING = lowerCase(UPSTASH_ENCODING);

const JSON_HEADERS = { "content-type": "application/json" };
/**
 * `connection: close` so that a stream the bridge ends also frees its socket at once (an idle
 * keep-alive socket would hold up the HTTP server's close).
 */
const EVENT_STREAM_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "close" };

/** A request refused before any command ran: status and Redis-style message. */
class Refusal {
  constructor(
    readonly status: 400 | 401 | 404 | 405,
    readonly message: string,
  ) {}
}

/**
 * Creates the bridge app. It connects to Redis at once (retrying in the background) and never
 * throws at request time: Redis errors, bad requests and outages all become JSON `{error}` answers.
 *
 * @example
 * ```ts
 * const bridge = createRedisRestBridge({ redisUrl: "redis://127.0.0.1:6379", token: "secret" });
 * serve({ fetch: bridge.fetch, port: 8079 });
 * // new Redis({ url: "http://127.0.0.1:8079", token: "secret" }) now talks to that Redis.
 * ```
 */
export function createRedisRestBridge(options: RedisRestBridgeOptions): RedisRestBridge {
  if (typeof options.token !== "string" || options.token === "") {
    throw new ConfigError("The Redis REST bridge needs a non-empty `token` (what clients send as UPSTASH_REDIS_REST_TOKEN).");
  }
  const token = Buffer.from(options.token, "utf8");
  const maxBytes = options.maxRequestBytes ?? 10 * 1024 * 1024;
  const connection = new RedisConnection(options);
  const client = connection.client;
  const sendOptions = commandOptions(options.commandTimeoutMs);
  const subscriber = new RedisSubscriber(client);
  const streams = new SubscriptionStreams(subscriber, {
    heartbeatMs: options.subscriptionHeartbeatMs,
    confirmTimeoutMs: options.connectTimeoutMs,
  });
  const app = new Hono();

  const reply = (c: Context, body: string, status: 200 | 400 | 401 | 404 | 405 | 500 | 503 = 200) =>
    c.body(body, status, JSON_HEADERS);
  const refuse = (c: Context, refusal: Refusal) => reply(c, errorJson(refusal.message), refusal.status);

  /** A failed execution: Redis's own error → 400; anything else means Redis is unavailable → 503. */
  const failure = (c: Context, err: unknown) => {
    if (err instanceof ErrorReply) return reply(c, errorJson(err.message), 400);
    const message = err instanceof Error && err.name === "BackendError" ? err.message : connection.unavailable(err).message;
    return reply(c, errorJson(message), 503);
  };

  const readBody = async (c: Context): Promise<unknown> => {
    const format = header(c, RESPONSE_FORMAT);
    if (format !== undefined && format.toLowerCase() !== "json") {
      return new Refusal(400, `ERR ${UPSTASH_RESPONSE_FORMAT} "${format}" is not supported by the Redis REST bridge: only "json".`);
    }
    const declared = Number(header(c, "content-length") ?? 0);
    if (declared > maxBytes) return tooLarge(maxBytes);
    const text = await c.req.text();
    if (text.length > maxBytes) return tooLarge(maxBytes);
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      return new Refusal(400, `ERR the request body is not valid JSON (${(err as Error).message}); send a JSON array such as ["SET","key","value"].`);
    }
  };

  app.use("*", async (c, next) => {
    if (authorized(c, token)) return next();
    return reply(c, errorJson("WRONGPASS invalid or missing auth token: send Authorization: Bearer <UPSTASH_REDIS_REST_TOKEN>"), 401);
  });

  app.post("/", async (c) => {
    const body = await readBody(c);
    if (body instanceof Refusal) return refuse(c, body);
    return single(c, body);
  });

  const single = async (c: Context, command: unknown) => {
    const problem = checkCommand(command);
    if (problem !== undefined) return reply(c, errorJson(problem), 400);
    try {
      const gate = connection.whenReady();
      if (gate !== undefined) await gate;
      const result = await runCommand(client, command as string[], sendOptions);
      return reply(c, resultJson(result, wantsBase64(c)));
    } catch (err) {
      return failure(c, err);
    }
  };

  app.post("/pipeline", async (c) => {
    const body = await readBody(c);
    if (body instanceof Refusal) return refuse(c, body);
    if (!Array.isArray(body) || body.length === 0) return refuse(c, notBatch("pipeline"));
    const commands = body as (string[] | ErrorReply)[];
    for (let i = 0; i < commands.length; i++) {
      const problem = checkCommand(commands[i]);
      if (problem !== undefined) commands[i] = new ErrorReply(problem);
    }
    try {
      const gate = connection.whenReady();
      if (gate !== undefined) await gate;
      return reply(c, itemsJson(await runPipeline(client, commands, sendOptions), wantsBase64(c)));
    } catch (err) {
      return failure(c, err);
    }
  });

  app.post("/multi-exec", async (c) => {
    const body = await readBody(c);
    if (body instanceof Refusal) return refuse(c, body);
    if (!Array.isArray(body) || body.length === 0) return refuse(c, notBatch("multi-exec"));
    for (let i = 0; i < body.length; i++) {
      const problem = checkCommand(body[i]);
      if (problem !== undefined) return reply(c, errorJson(`EXECABORT Transaction discarded: command ${i}: ${problem}`), 400);
    }
    try {
      const gate = connection.whenReady();
      if (gate !== undefined) await gate;
      return reply(c, itemsJson(await runTransaction(client, body as string[][], sendOptions), wantsBase64(c)));
    } catch (err) {
      return failure(c, err);
    }
  });

  const subscribe = async (c: Context, kind: SubscriptionKind) => {
    const name = subscriptionName(c, kind);
    if (name instanceof Refusal) return refuse(c, name);
    try {
      const gate = connection.whenReady();
      if (gate !== undefined) await gate;
      const body = await streams.open(kind, name, c.req.raw.signal);
      return c.body(body, 200, EVENT_STREAM_HEADERS);
    } catch (err) {
      return failure(c, err);
    }
  };
  for (const kind of ["subscribe", "psubscribe"] as const) {
    app.on(["GET", "POST"], [`/${kind}`, `/${kind}/*`], (c) => subscribe(c, kind));
  }

  app.on(["GET", "POST", "PUT", "HEAD"], "/*", async (c) => {
    const command = await pathCommand(c, maxBytes);
    if (command instanceof Refusal) return refuse(c, command);
    return single(c, command);
  });

  app.all("*", (c) =>
    refuse(c, new Refusal(405, `ERR method ${c.req.method} is not allowed: use POST (or GET, PUT, HEAD with the path form).`)),
  );
  app.onError((err, c) => reply(c, errorJson(`ERR Redis REST bridge internal error: ${err.message}`), 500));

  return Object.assign(app, {
    redisLabel: connection.label,
    waitUntilReady: (timeoutMs?: number, options?: { failFast?: boolean }) => connection.waitUntilReady(timeoutMs, options),
    closeSubscriptions: () => streams.close(),
    close: async () => {
      streams.close();
      await subscriber.close();
      await connection.close();
    },
  });
}

/**
 * A request header, read from Node's already-parsed `IncomingMessage` when served by
 * `@hono/node-server` (building a web `Headers` object costs more than the rest of a request's
 * bookkeeping); from the web `Request` otherwise. `name` is lower case.
 */
function header(c: Context, name: string): string | undefined {
  const incoming = (c.env as { incoming?: { headers: Record<string, string | string[] | undefined> } } | undefined)?.incoming;
  if (incoming === undefined) return c.req.header(name);
  const value = incoming.headers[name];
  return typeof value === "string" ? value : value?.[0];
}

function wantsBase64(c: Context): boolean {
  const encoding = header(c, ENCODING);
  return encoding !== undefined && encoding.toLowerCase() === "base64";
}

function tooLarge(maxBytes: number): Refusal {
  return new Refusal(400, `ERR max request size exceeded: the body is over ${maxBytes} bytes.`);
}

function notBatch(endpoint: string): Refusal {
  return new Refusal(400, `ERR /${endpoint} takes a non-empty JSON array of commands, such as [["SET","k","v"],["GET","k"]].`);
}

/** `Authorization: Bearer <token>`, or the `_token` query parameter; compared in constant time. */
function authorized(c: Context, token: Buffer): boolean {
  const auth = header(c, "authorization");
  let given: string | undefined;
  if (auth !== undefined) {
    if (auth.length > 7 && auth.slice(0, 7).toLowerCase() === "bearer ") given = auth.slice(7).trim();
  } else {
    given = c.req.query("_token");
  }
  if (given === undefined) return false;
  const bytes = Buffer.from(given, "utf8");
  return bytes.length === token.length && timingSafeEqual(bytes, token);
}

/**
 * The channel (or pattern) of `/subscribe/<channel>` or `/psubscribe/<pattern>`: exactly one
 * non-empty, percent-decoded path segment without line breaks.
 */
function subscriptionName(c: Context, kind: SubscriptionKind): string | Refusal {
  const what = kind === "subscribe" ? "channel" : "pattern";
  const usage = `use /${kind}/<${what}>, one ${what} per stream, with a "/" inside it written %2F`;
  const segments = new URL(c.req.url).pathname.slice(kind.length + 1).split("/").filter((s) => s !== "");
  if (segments.length !== 1) {
    const got = segments.length === 0 ? `no ${what}` : `${segments.length} path segments`;
    return new Refusal(400, `ERR /${kind} takes one ${what}, got ${got}: ${usage}.`);
  }
  let name: string;
  try {
    name = decodeURIComponent(segments[0]);
  } catch {
    return new Refusal(400, `ERR the ${what} ${segments[0]} is not valid percent-encoding: ${usage}.`);
  }
  if (/[\r\n]/.test(name)) return new Refusal(400, `ERR a ${what} cannot contain a line break: it would break the event stream.`);
  return name;
}

/**
 * The path form: `/set/foo/bar?EX=100` → `SET foo bar EX 100`. A raw POST/PUT body is appended as
 * the last argument, before the query options.
 */
async function pathCommand(c: Context, maxBytes: number): Promise<string[] | Refusal> {
  const url = new URL(c.req.url);
  const args: string[] = [];
  try {
    for (const segment of url.pathname.split("/")) if (segment !== "") args.push(decodeURIComponent(segment));
  } catch {
    return new Refusal(400, `ERR the path ${url.pathname} is not valid percent-encoding.`);
  }
  if (args.length === 0) {
    return new Refusal(400, 'ERR no command: POST a JSON array such as ["PING"] to /, or use the path form /<command>/<arg>…');
  }
  if (c.req.method === "POST" || c.req.method === "PUT") {
    const body = await c.req.text();
    if (body.length > maxBytes) return tooLarge(maxBytes);
    if (body !== "") args.push(body);
  }
  for (const [key, value] of url.searchParams) {
    if (key === "_token") continue;
    args.push(key);
    if (value !== "") args.push(value);
  }
  return args;
}
