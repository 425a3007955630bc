/**
 * The benchmark's undici client: the same shape as celeriac's hand-written Node HTTP client
 * (`createNodeDeliver().raw`: a `RawDeliveryRequest` in, the whole response out, `close()`), on
 * an undici `Agent` (keep-alive pools per origin, https with an optional private `ca`), so the
 * `celeriac-undici` system differs from `celeriac` in the HTTP client alone.
 *
 * Requests go through `Dispatcher.dispatch` with a small handler that collects the answer: no
 * stream, `AbortSignal` or `AsyncResource` per request (`request()` has all three, and cost more
 * CPU per request: `node --import tsx bench/http-clients.ts`). What undici leaves to its caller is
 * done here as the hand-written client does it: a request whose reused keep-alive connection the
 * server had closed before any answer is sent once more on a fresh connection; `timeoutMs`
 * abandons it with a `TimeoutError`; `attempt.cancel` with an `AbortError`.
 * @module
 */
import { Agent, buildConnector, Client, type Dispatcher } from "undici";
import type { AttemptHandle, RawDeliveryRequest, RawDeliveryResponse, ResponseHeaders } from "../../src/broker/local/index.ts";
import type { NodeHttpClient } from "../../src/adapters/node.ts";

/** Trusted CA certificates (PEM) for https, e.g. a private CA. */
export type CA = string | Buffer | (string | Buffer)[];

/** Options of {@link createUndiciClient}. */
export interface UndiciClientOptions {
  /** Connections per origin; requests beyond wait for one. Default 256. */
  maxSockets?: number | undefined;
  ca?: CA | undefined;
}

/** undici's response headers (lower-case names; repeats as arrays) read like `Headers`: repeats joined with ", ". */
class UndiciHeaders implements ResponseHeaders {
  constructor(readonly raw: Record<string, string | string[] | undefined>) {}
  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    return value === undefined ? null : typeof value === "string" ? value : value.join(", ");
  }
  forEach(callback: (value: string, name: string) => void): void {
    for (const name in this.raw) {
      const value = this.get(name);
      if (value !== null) callback(value, name);
    }
  }
}

/** Headers the client writes itself (or undici refuses): never copied from the caller's. */
const FRAMING = new Set(["host", "content-length", "connection", "transfer-encoding", "keep-alive", "upgrade", "expect"]);
/** What a request on a connection the server closed fails with. */
const STALE = new Set(["UND_ERR_SOCKET", "ECONNRESET", "EPIPE"]);
const TIMEOUTS = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"]);

const named = (name: string, message: string, cause?: unknown): Error => Object.assign(new Error(message, { cause }), { name });

function callerHeaders(headers: Record<string, string>): Record<string, string> {
  for (const name in headers) {
    if (!FRAMING.has(name.toLowerCase())) continue;
    const kept: Record<string, string> = {};
    for (const n in headers) if (!FRAMING.has(n.toLowerCase())) kept[n] = headers[n];
    return kept;
  }
  return headers;
}

/** undici's time-outs in the name the broker reads (`TimeoutError`), other errors as they are. */
function translated(err: unknown): unknown {
  const code = (err as { code?: string })?.code;
  return code && TIMEOUTS.has(code) ? named("TimeoutError", `request timed out (${(err as Error).message})`, err) : err;
}

/** The failure of a request on a connection that had already read earlier answers (see {@link connector}). */
function stale(err: unknown): boolean {
  const e = err as { code?: string; socket?: { bytesRead?: number }; bytesReadBefore?: number };
  return STALE.has(e?.code ?? "") && (e.socket?.bytesRead ?? e.bytesReadBefore ?? 0) > 0;
}

/** undici's connector, marking a socket's errors with the bytes it had read (undici passes ECONNRESET and EPIPE on as Node raised them). */
function connector(ca: CA | undefined): buildConnector.connector {
  const connect = buildConnector(ca ? { ca } : {});
  return (opts, callback) =>
    connect(opts, (...result) => {
      const socket = result[1];
      socket?.prependListener("error", (e: Error) => Object.assign(e, { bytesReadBefore: socket.bytesRead }));
      callback(...result);
    });
}

/** One response collected from undici's handler interface; `attempt.cancel` abandons the request, also while it waits for a connection. */
class Collector implements Dispatcher.DispatchHandler {
  status = 0;
  headers: Record<string, string | string[] | undefined> = {};
  chunks: Buffer[] = [];
  started = false;
  cancelled = false;

  constructor(
    readonly resolve: (response: RawDeliveryResponse) => void,
    readonly fail: (err: Error, started: boolean) => void,
    readonly attempt: AttemptHandle | undefined,
  ) {
    if (attempt) attempt.cancel = () => void (this.cancelled = true);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    const cancel = () => controller.abort(named("AbortError", "the broker is shutting down"));
    if (this.cancelled) return cancel();
    if (this.attempt) this.attempt.cancel = cancel;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: Record<string, string | string[] | undefined>): void {
    if (status < 200) return; // an interim answer: the final one follows
    this.started = true;
    this.status = status;
    this.headers = headers;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.attempt) this.attempt.cancel = undefined;
    const chunks = this.chunks;
    this.resolve({ status: this.status, headers: new UndiciHeaders(this.headers), body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks) });
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    if (this.attempt) this.attempt.cancel = undefined;
    this.fail(err, this.started);
  }
}

/** Where a URL's requests go, parsed once per URL. */
interface Target {
  origin: string;
  path: string;
}

/**
 * A keep-alive HTTP/1.1 client on undici for http: and https: URLs, in the shape of celeriac's own.
 * `close()` destroys the pooled connections; later requests open new ones.
 * @example
 * const send = createUndiciClient({ maxSockets: 64 });
 * const res = await send({ url: "http://127.0.0.1:8079/", method: "POST", headers: {}, body, timeoutMs: Infinity });
 */
export function createUndiciClient(options: UndiciClientOptions = {}): NodeHttpClient {
  const connect = connector(options.ca);
  // No time limit unless a request sets one (undici's default is 300 s for headers and for body).
  const pool = () => new Agent({ connections: options.maxSockets ?? 256, headersTimeout: 0, bodyTimeout: 0, connect });
  let agent = pool();
  const targets = new Map<string, Target>();

  const target = (url: string): Target => {
    let t = targets.get(url);
    if (!t) {
      const u = new URL(url);
      if (u.protocol !== "http:" && u.protocol !== "https:") throw new TypeError(`the undici client speaks http: and https:, not ${u.protocol} (${url})`);
      t = { origin: u.origin, path: `${u.pathname}${u.search}` };
      if (targets.size > 10_000) targets.clear();
      targets.set(url, t);
    }
    return t;
  };

  function dispatch(dispatcher: Dispatcher, t: Target, request: RawDeliveryRequest, headers: Record<string, string>, resend: boolean): Promise<RawDeliveryResponse> {
    const ms = request.timeoutMs;
    const timeout = ms === Infinity ? 0 : Math.max(1, ms);
    return new Promise<RawDeliveryResponse>((resolve, reject) => {
      const fail = (err: Error, started: boolean) => {
        if (!resend || started || !stale(err)) return reject(translated(err));
        // Once more, on a connection of its own (the pool may hold other stale ones).
        const fresh = new Client(t.origin, { headersTimeout: 0, bodyTimeout: 0, connect });
        dispatch(fresh, t, request, headers, false)
          .then(resolve, reject)
          .finally(() => fresh.destroy().catch(() => {}));
      };
      const method = request.method as Dispatcher.HttpMethod;
      dispatcher.dispatch({ origin: t.origin, path: t.path, method, headers, body: request.body, headersTimeout: timeout, bodyTimeout: timeout }, new Collector(resolve, fail, request.attempt));
    });
  }

  const send = async (request: RawDeliveryRequest) => await dispatch(agent, target(request.url), request, callerHeaders(request.headers), true);
  return Object.assign(send, {
    close() {
      const old = agent;
      agent = pool();
      old.destroy(named("AbortError", "the HTTP client was closed (its owner is shutting down)")).catch(() => {});
    },
  });
}
