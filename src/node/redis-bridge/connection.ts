/**
 * The Redis REST bridge's one Redis connection: a node-redis client speaking RESP2, reconnecting
 * forever with capped backoff, and a readiness gate so that a request arriving while Redis is down
 * fails at once with a clear error instead of hanging or crashing the process.
 * @module
 */
import { createClient, type TypeMapping } from "redis";
import { BackendError, ConfigError } from "../../errors.ts";
import { redact } from "../redis-unreachable.ts";

/**
 * The part of a node-redis v5/v6 client the bridge uses. Pass a client created with `RESP: 2`
 * and already connected (`await client.connect()`).
 */
export interface BridgeRedisClient {
  sendCommand(args: readonly string[], options?: { typeMapping?: TypeMapping; chainId?: symbol; timeout?: number }): Promise<unknown>;
  readonly isOpen: boolean;
  readonly isReady: boolean;
  readonly options?: { RESP?: 2 | 3; url?: string } | undefined;
  on(event: "ready" | "error", listener: (err?: unknown) => void): unknown;
  off(event: "ready" | "error", listener: (err?: unknown) => void): unknown;
  /** A new client with the same options; `/subscribe` streams share one, opened on first use. */
  duplicate?(overrides?: { disableOfflineQueue?: boolean }): unknown;
  destroy(): void;
  close(): Promise<void>;
}

/** How to reach Redis: a URL (the bridge owns the client) or a client you own. */
export interface RedisConnectionOptions {
  /** Redis URL, e.g. `redis://127.0.0.1:6379` or `rediss://:password@host:6380/0`. */
  redisUrl?: string | undefined;
  /** An already-connected node-redis client created with `RESP: 2`; used instead of `redisUrl`, never closed by the bridge. */
  client?: BridgeRedisClient | undefined;
  /** How long a request waits for a connection that is being (re)established. Default 5000 ms. */
  connectTimeoutMs?: number | undefined;
  /** Upper bound of the reconnect backoff (50 ms doubling). Default 2000 ms. */
  maxReconnectDelayMs?: number | undefined;
  /** Receives connection events ("lost", "restored"), one line each. Default: silent. */
  log?: ((message: string) => void) | undefined;
}

type Waiter = (event: "ready" | "error" | "timeout", err?: unknown) => boolean;

/** One Redis connection with a readiness gate. See {@link RedisConnectionOptions}. */
export class RedisConnection {
  readonly client: BridgeRedisClient;
  /** The Redis URL with any password hidden, for messages. */
  readonly label: string;
  readonly #owned: boolean;
  readonly #connectTimeoutMs: number;
  readonly #log: (message: string) => void;
  #lastError: unknown;
  #waiters = new Set<Waiter>();

  constructor(options: RedisConnectionOptions) {
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.#log = options.log ?? (() => {});
    if (options.client) {
      const resp = options.client.options?.RESP;
      if (resp !== 2) {
        throw new ConfigError(
          `The Redis REST bridge needs a node-redis client created with RESP: 2 (got RESP ${resp ?? "3 (the default)"}): ` +
            "the Upstash REST protocol carries RESP2 reply shapes. Use createClient({ url, RESP: 2 }).",
        );
      }
      if (!options.client.isOpen) {
        throw new ConfigError("The node-redis client given to the Redis REST bridge is not connected: call `await client.connect()` first.");
      }
      this.client = options.client;
      this.#owned = false;
      this.label = redact(options.client.options?.url ?? "the given node-redis client");
    } else {
      if (!options.redisUrl) {
        throw new ConfigError("The Redis REST bridge needs `redisUrl` (e.g. redis://127.0.0.1:6379) or a connected node-redis `client`.");
      }
      const maxDelay = options.maxReconnectDelayMs ?? 2000;
      const client = redisClient(options.redisUrl, {
        url: options.redisUrl,
        RESP: 2,
        // Never queue commands while disconnected: a request must fail fast, not hang.
        disableOfflineQueue: true,
        socket: {
          connectTimeout: this.#connectTimeoutMs,
          reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 16), maxDelay),
        },
      });
      this.client = client as unknown as BridgeRedisClient;
      this.#owned = true;
      this.label = redact(options.redisUrl);
    }
    this.client.on("ready", this.#onReady);
    this.client.on("error", this.#onError);
    // connect() settles only once the first attempt succeeds (or the client is destroyed);
    // failures meanwhile arrive as "error" events and are retried by the reconnect strategy.
    if (this.#owned) (this.client as unknown as { connect(): Promise<unknown> }).connect().catch(() => {});
  }

  #onReady = (): void => {
    if (this.#lastError !== undefined) this.#log(`Redis at ${this.label} is reachable again.`);
    this.#lastError = undefined;
    this.#notify("ready");
  };

  #onError = (err?: unknown): void => {
    if (this.#lastError === undefined) this.#log(`Redis at ${this.label} is unreachable: ${messageOf(err)}. Reconnecting…`);
    this.#lastError = err ?? new Error("unknown connection error");
    this.#notify("error", err);
  };

  #notify(event: "ready" | "error", err?: unknown): void {
    for (const waiter of this.#waiters) if (waiter(event, err)) this.#waiters.delete(waiter);
  }

  /**
   * The gate every request passes: `undefined` when the connection is ready (no allocation on
   * the hot path); otherwise a promise that settles when it is ready, or rejects with a
   * `BackendError` at once if the last attempt failed, or after `connectTimeoutMs`.
   */
  whenReady(): Promise<void> | undefined {
    if (this.client.isReady) return undefined;
    if (this.#lastError !== undefined || !this.client.isOpen) return Promise.reject(this.unavailable(this.#lastError));
    return this.#wait(this.#connectTimeoutMs, true);
  }

  /**
   * Waits until Redis answers; rejects with the last error after `timeoutMs`. Failed attempts are
   * retried meanwhile, unless `failFast`: then the first failed attempt rejects.
   */
  waitUntilReady(timeoutMs = this.#connectTimeoutMs, { failFast = false }: { failFast?: boolean } = {}): Promise<void> {
    if (this.client.isReady) return Promise.resolve();
    if (failFast && this.#lastError !== undefined) return Promise.reject(this.unavailable(this.#lastError));
    return this.#wait(timeoutMs, failFast);
  }

  #wait(timeoutMs: number, failOnError: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = (event, err) => {
        if (event === "error" && !failOnError) return false;
        clearTimeout(timer);
        if (event === "ready") resolve();
        else reject(this.unavailable(err ?? this.#lastError ?? new Error(`no answer within ${timeoutMs} ms`)));
        return true;
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        waiter("timeout");
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** The error answered (as HTTP 503) when Redis cannot be reached. */
  unavailable(cause: unknown): BackendError {
    return new BackendError(
      `ERR Redis at ${this.label} is unavailable (${messageOf(cause)}). ` +
        "The REST bridge keeps reconnecting; check that redis-server is running and that the bridge's Redis URL is right.",
      { cause },
    );
  }

  /** Stops listening, and closes the client if the bridge created it. */
  async close(): Promise<void> {
    this.client.off("ready", this.#onReady);
    this.client.off("error", this.#onError);
    for (const waiter of this.#waiters) waiter("timeout", new Error("the bridge was closed"));
    this.#waiters.clear();
    if (!this.#owned || !this.client.isOpen) return;
    if (this.client.isReady) await this.client.close().catch(() => this.client.destroy());
    else this.client.destroy();
  }
}

/** Creates the client, turning node-redis's URL errors into a `ConfigError` that names the URL. */
function redisClient(url: string, options: Parameters<typeof createClient>[0]) {
  try {
    return createClient(options);
  } catch (err) {
    throw new ConfigError(
      `The Redis URL "${redact(url)}" is not usable (${messageOf(err)}): use redis://[user:password@]host:port[/db] or rediss:// for TLS.`,
    );
  }
}

function messageOf(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length) return messageOf(err.errors[0]);
  return err instanceof Error ? err.message || err.name : String(err ?? "not connected");
}

