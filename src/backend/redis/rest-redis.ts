/**
 * `createRestRedis`: the seven commands `RedisBackend` uses (EVALSHA, EVAL, GET, MGET, SET,
 * DEL, EXISTS) over the Upstash Redis REST protocol with `fetch` alone, for bundles where the full
 * `@upstash/redis` client (every command) is too large: the Workers profile. Same wire as the
 * official client: `POST <url>/` with the JSON command array, `Authorization: Bearer`,
 * `Upstash-Encoding: base64` responses decoded, the read-your-writes sync token echoed, network
 * failures retried. Errors carry Redis's text (so the `NOSCRIPT` → EVAL fallback works), named
 * `UpstashError` like the official client's.
 *
 * Replies are raw: automatic JSON deserialization is OFF (strings stay strings), which
 * `RedisBackend` handles (see `reply.ts`).
 * @module
 */
import { ConfigError } from "../../errors.ts";
import { AUTHORIZATION, CONTENT_TYPE, lowerCase, UPSTASH_ENCODING, UPSTASH_SYNC_TOKEN } from "../../headers.ts";
import type { BackendRedis } from "./redis-backend.ts";

/** Options of {@link createRestRedis}. */
export interface RestRedisOptions {
  /** `UPSTASH_REDIS_REST_URL` (or the REST bridge's URL). A trailing `/` is ignored. */
  url: string;
  /** `UPSTASH_REDIS_REST_TOKEN`. */
  token: string;
  /** The `fetch` to call. Default the global `fetch`. */
  fetch?: typeof fetch | undefined;
  /** Retries of a request whose `fetch` throws (network errors; HTTP errors are never retried). Default 5, as the official client. */
  retries?: number | undefined;
  /** Send back the `upstash-sync-token` of the last response, so reads see earlier writes on replicas. Default true. */
  readYourWrites?: boolean | undefined;
}

/** A Redis error reply or a failed REST call; `name` is `UpstashError`, as the official client's. */
class UpstashError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UpstashError";
  }
}

type Arg = string | number;

/** The sync token's name as the official client writes it (lower case). */
const SYNC_TOKEN = lowerCase(UPSTASH_SYNC_TOKEN);

/**
 * A `BackendRedis` over the Upstash REST API with `fetch` only (automatic deserialization off).
 * @example
 * const backend = new RedisBackend({ redis: createRestRedis({ url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN }), resultExpiresMs: 86_400_000 });
 */
export function createRestRedis(options: RestRedisOptions): BackendRedis {
  if (!options?.url || !options.token) {
    throw new ConfigError("createRestRedis needs `url` and `token`: set UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN.");
  }
  const url = options.url.replace(/\/$/, "");
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const retries = options.retries ?? 5;
  const ryw = options.readYourWrites ?? true;
  const headers: Record<string, string> = {
    [CONTENT_TYPE]: "application/json",
    [AUTHORIZATION]: `Bearer ${options.token}`,
    [UPSTASH_ENCODING]: "base64",
  };
  let syncToken = "";

  const send = async (command: Arg[]): Promise<unknown> => {
    if (ryw) headers[SYNC_TOKEN] = syncToken;
    const init = { method: "POST", headers: { ...headers }, body: JSON.stringify(command) };
    let res: Response | undefined;
    for (let attempt = 0; !res; attempt++) {
      try {
        res = await doFetch(url, init);
      } catch (err) {
        if (attempt >= retries) throw err;
        await new Promise((r) => setTimeout(r, Math.exp(attempt) * 50));
      }
    }
    const text = await res.text();
    let body: { result?: unknown; error?: string };
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw new UpstashError(`Unable to parse response body: ${text.length > 200 ? `${text.slice(0, 200)}...` : text}`, { cause: err });
    }
    if (!res.ok) throw new UpstashError(`${body?.error}, command was: ${init.body}`);
    if (ryw) syncToken = res.headers.get(UPSTASH_SYNC_TOKEN) ?? "";
    if (body.error) throw new UpstashError(body.error);
    if (body.result === undefined) throw new TypeError("Request did not return a result");
    return decodeTop(body.result);
  };

  const script = (verb: string) => (shaOrSource: string, keys: string[], args: unknown[]) =>
    send([verb, shaOrSource, keys.length, ...keys, ...(args as Arg[])]);

  const redis = {
    evalsha: script("evalsha"),
    eval: script("eval"),
    get: (key: string) => send(["get", key]),
    mget: (keys: string[]) => send(["mget", ...keys]),
    hget: (key: string, field: string) => send(["hget", key, field]),
    set: (key: string, value: unknown, opts?: { nx?: boolean; xx?: boolean; get?: boolean; ex?: number; px?: number }) => {
      const command: Arg[] = ["set", key, typeof value === "string" || typeof value === "number" ? value : JSON.stringify(value)];
      if (opts?.nx) command.push("nx");
      else if (opts?.xx) command.push("xx");
      if (opts?.get) command.push("get");
      if (typeof opts?.ex === "number") command.push("ex", opts.ex);
      else if (typeof opts?.px === "number") command.push("px", opts.px);
      return send(command);
    },
    del: (...keys: string[]) => send(["del", ...keys]),
    exists: (...keys: string[]) => send(["exists", ...keys]),
  };
  return redis as unknown as BackendRedis;
}

/** UTF-8 text of base64 `b64`; the input itself when it is not base64 (as the official client does). */
function fromBase64(b64: string): string {
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
  } catch {
    return b64;
  }
}

/** A top-level result: a bare `"OK"` status is sent unencoded; every other string is base64. */
function decodeTop(raw: unknown): unknown {
  if (typeof raw === "string") return raw === "OK" ? raw : fromBase64(raw);
  return Array.isArray(raw) ? decodeArray(raw) : typeof raw === "number" ? raw : null;
}

/** Every string at every depth of an array result is base64. */
function decodeArray(raw: unknown[]): unknown[] {
  return raw.map((v) => (typeof v === "string" ? fromBase64(v) : Array.isArray(v) ? decodeArray(v) : v));
}
