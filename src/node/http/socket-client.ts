/**
 * `createSocketClient`: celeriac's HTTP client on Node, under every Node part that talks HTTP (the
 * local broker's deliveries, the `@upstash/redis` requester, the QStash publisher, `createNodeFetch`),
 * for `http:` and `https:` alike: a small HTTP/1.1 client on pooled keep-alive `node:net` /
 * `node:tls` sockets; the bytes on the wire are `http1-wire.ts`. A request is one write (head and
 * body together) and its response is parsed straight from the socket's bytes: no `ClientRequest`,
 * agent bookkeeping, header objects or stream events per request. Speaks what celeriac sends and
 * reads: Content-Length request bodies; responses framed by Content-Length, chunked encoding or
 * the end of the connection; interim 1xx answers skipped; `Connection: close` honoured. A socket
 * the server closed while it idled is noticed and the request sent again on a fresh one, as
 * node:http's agent does.
 *
 * Why it is hand-written: every ready-made client cost more CPU per request. Client-process CPU
 * per small keep-alive POST, median of 15 reps, others ÷ this one (`node --import tsx
 * bench/http-clients.ts --clients celeriac,node-http,undici-dispatch,undici-request --n 2000
 * --reps 15`, a loaded 2-core VM): http: this 31 µs, undici `Dispatcher.dispatch` 1.28× (1.04–1.61),
 * undici `request()` 2.19×, node:http on a keep-alive Agent 2.49×; https: this 44 µs, undici
 * `Dispatcher.dispatch` 1.18× (0.63–2.02), undici `request()` 1.65×, node:https 2.14×. Node's
 * global `fetch`, http: 11.7× (7.8–14.5×; the same command with all clients, `--n 5000 --reps 5`).
 * End to end, side by side:
 * `node --import tsx bench/ab.ts --only celeriac,celeriac-undici` (bench/README.md, "The HTTP
 * client").
 * @module
 */
import net from "node:net";
import tls from "node:tls";
import type { RawDeliveryRequest, RawDeliveryResponse } from "../../broker/local/delivery/delivery.ts";
import { requestHead, ResponseReader } from "./http1-wire.ts";

/** Options of {@link createSocketClient}. */
export interface SocketClientOptions {
  /** Connections per origin; requests beyond wait for one. Default 256. */
  maxSockets?: number | undefined;
  /** Idle connections kept per origin. Default 64. */
  maxFreeSockets?: number | undefined;
  /** Extra trusted CA certificates (PEM) for https, e.g. a private CA. Default: Node's bundled roots. */
  ca?: string | Buffer | (string | Buffer)[] | undefined;
}

/**
 * An HTTP client in the shape celeriac's Node parts call one: a request (URL, method, header
 * record, body bytes, time limit, cancel handle) in, the whole response out; `close()` destroys
 * its pooled connections.
 */
export interface NodeHttpClient {
  (request: RawDeliveryRequest): Promise<RawDeliveryResponse>;
  close(): void;
}

/** What a write to, or read from, a socket the server already closed fails with. */
const STALE = new Set(["ECONNRESET", "EPIPE"]);

function named(name: string, message: string, code?: string): Error {
  return Object.assign(new Error(message), { name }, code ? { code } : {});
}

/** One origin's connections: idle ones, how many exist, and requests waiting for one. */
interface Pool {
  idle: Connection[];
  open: number;
  waiting: (() => void)[];
  /** https: the last TLS session the origin gave, offered by the next new connection (an abbreviated handshake, as node:https's agent does). */
  tlsSession?: Buffer | undefined;
}

/** A request in flight on a connection. */
interface Pending {
  request: RawDeliveryRequest;
  reader: ResponseReader;
  resolve: (response: RawDeliveryResponse) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** The connection had served a request before this one (so the server may have closed it while it idled). */
  reused: boolean;
}

/** One keep-alive connection: its listeners are set once, for every request it carries. */
class Connection {
  readonly socket: net.Socket;
  pending: Pending | undefined;
  served = 0;

  constructor(
    readonly owner: Owner,
    readonly pool: Pool,
    t: Target,
    ca: SocketClientOptions["ca"],
  ) {
    if (t.tls) {
      const options: tls.ConnectionOptions = { host: t.hostname, port: t.port, ca, session: pool.tlsSession };
      if (!net.isIP(t.hostname)) options.servername = t.hostname;
      const socket = tls.connect(options).setNoDelay(true);
      socket.on("session", (session: Buffer) => (pool.tlsSession = session));
      this.socket = socket;
    } else this.socket = net.connect({ host: t.hostname, port: t.port, noDelay: true });
    this.socket.on("data", (chunk: Buffer) => this.#data(chunk));
    this.socket.on("error", (err) => this.#fail(err));
    this.socket.on("close", () => this.#closed());
  }

  send(request: RawDeliveryRequest, head: string, timeoutMs: number, resolve: Pending["resolve"], reject: Pending["reject"]): void {
    const pending: Pending = { request, reader: new ResponseReader(request.method === "HEAD"), resolve, reject, timer: timerFor(timeoutMs, timeout, this), reused: this.served > 0 };
    this.pending = pending;
    if (request.attempt) request.attempt.cancel = cancel.bind(undefined, this);
    const socket = this.socket;
    socket.ref();
    const body = request.body;
    if (body && body.byteLength > 0) {
      // Head and body in one buffer: one write, one segment for a small delivery.
      const out = Buffer.allocUnsafe(head.length + body.byteLength);
      out.write(head, 0, "latin1");
      out.set(body, head.length);
      socket.write(out);
    } else socket.write(head, "latin1");
  }

  #data(chunk: Buffer): void {
    const pending = this.pending;
    if (!pending) {
      // Bytes on an idle connection break HTTP's framing: it cannot be reused.
      this.socket.destroy();
      return;
    }
    let body: Buffer | undefined;
    try {
      body = pending.reader.push(chunk);
    } catch (err) {
      return this.#fail(err as Error);
    }
    if (body) this.#finish(pending, body);
  }

  #closed(): void {
    this.owner.forget(this);
    const pending = this.pending;
    if (!pending) return;
    const body = pending.reader.end();
    if (body) this.#finish(pending, body);
    else this.#fail(named("Error", `the connection closed before the response ${pending.reader.received === 0 ? "began" : "ended"}`, "ECONNRESET"));
  }

  #finish(pending: Pending, body: Buffer): void {
    this.#clear(pending);
    this.served++;
    this.owner.release(this, pending.reader.keepAlive);
    pending.resolve({ status: pending.reader.status, headers: pending.reader.headers, body });
  }

  #fail(err: Error): void {
    const pending = this.pending;
    this.socket.destroy();
    this.owner.forget(this);
    if (!pending) return;
    this.#clear(pending);
    this.owner.failed(pending, err);
  }

  #clear(pending: Pending): void {
    this.pending = undefined;
    clearTimeout(pending.timer);
    if (pending.request.attempt) pending.request.attempt.cancel = undefined;
  }

  abandon(err: Error): void {
    this.#fail(err);
  }
}

/** Longest delay a Node timer takes as given (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A timer for `ms` (at least 1, at most ~24.8 days); none for an infinite `ms` (no time limit). */
function timerFor<A>(ms: number, fn: (arg: A) => void, arg: A): ReturnType<typeof setTimeout> | undefined {
  if (ms === Infinity) return undefined;
  return setTimeout(fn, Math.min(MAX_TIMER_MS, Math.max(1, ms)), arg);
}

function timeout(connection: Connection): void {
  connection.abandon(named("TimeoutError", "request timed out"));
}

function cancel(connection: Connection): void {
  connection.abandon(named("AbortError", "the broker is shutting down"));
}

/** What a connection reports back to its deliver. */
interface Owner {
  release(connection: Connection, reusable: boolean): void;
  forget(connection: Connection): void;
  failed(pending: Pending, err: Error): void;
}

/** Where a URL's requests go. */
interface Target {
  /** `http://host:port` or `https://host:port`: the pool's key. */
  origin: string;
  tls: boolean;
  host: string;
  hostname: string;
  port: number;
  path: string;
}

/**
 * A request waiting for a connection: its timeout and its attempt's `cancel` apply while it
 * waits, so a request queued behind busy connections can be abandoned before it is ever sent.
 */
class Ticket {
  error: Error | undefined;
  #wake: ((err?: Error) => void) | undefined;
  readonly #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly request: RawDeliveryRequest, readonly deadline: number) {
    this.#timer = timerFor(deadline - Date.now(), () => this.#abandon(named("TimeoutError", "request timed out")), undefined);
    if (request.attempt) request.attempt.cancel = () => this.#abandon(named("AbortError", "the broker is shutting down"));
  }

  #abandon(err: Error): void {
    this.error ??= err;
    this.#wake?.(err);
  }

  /** Wait for `p` to free a slot; rejects once the ticket is abandoned. */
  wait(p: Pool): Promise<void> {
    if (this.error) return Promise.reject(this.error);
    return new Promise<void>((resolve, reject) => {
      const wake = (err?: Error) => {
        this.#wake = undefined;
        const i = p.waiting.indexOf(wake);
        if (i >= 0) p.waiting.splice(i, 1);
        if (err) reject(err);
        else resolve();
      };
      this.#wake = wake;
      p.waiting.push(wake);
    });
  }

  /** The wait is over: the connection's own timer and cancel take over. */
  done(): void {
    clearTimeout(this.#timer);
    if (this.request.attempt) this.request.attempt.cancel = undefined;
  }
}

/**
 * Build a client for `http:` and `https:` URLs (other schemes are refused).
 * @example
 * const send = createSocketClient();
 * const res = await send({ url: "http://127.0.0.1:8787/tasks/add", method: "POST", headers: {}, body, timeoutMs: 30_000 });
 */
export function createSocketClient(options: SocketClientOptions = {}): NodeHttpClient {
  const maxSockets = options.maxSockets ?? 256;
  const maxFree = options.maxFreeSockets ?? 64;
  const pools = new Map<string, Pool>();
  const all = new Set<Connection>();
  const targets = new Map<string, Target>();
  let closed = false;

  function target(url: string): Target {
    let t = targets.get(url);
    if (!t) {
      const u = new URL(url);
      const secure = u.protocol === "https:";
      if (!secure && u.protocol !== "http:") throw new TypeError(`celeriac's HTTP client speaks http: and https:, not ${u.protocol} (${url})`);
      const port = Number(u.port || (secure ? 443 : 80));
      t = { origin: `${u.protocol}//${u.hostname}:${port}`, tls: secure, host: u.host, hostname: u.hostname.replace(/^\[|\]$/g, ""), port, path: `${u.pathname}${u.search}` };
      if (targets.size > 10_000) targets.clear();
      targets.set(url, t);
    }
    return t;
  }

  function poolOf(origin: string): Pool {
    let p = pools.get(origin);
    if (!p) pools.set(origin, (p = { idle: [], open: 0, waiting: [] }));
    return p;
  }

  const owner: Owner = {
    release(connection, reusable) {
      const p = connection.pool;
      if (!reusable || closed || p.idle.length >= maxFree || connection.socket.destroyed) {
        // forget() frees the connection's place and wakes one waiter for it.
        connection.socket.destroy();
        owner.forget(connection);
        return;
      }
      connection.socket.unref();
      p.idle.push(connection);
      p.waiting.shift()?.();
    },
    forget(connection) {
      if (!all.delete(connection)) return;
      const p = connection.pool;
      p.open--;
      const i = p.idle.indexOf(connection);
      if (i >= 0) p.idle.splice(i, 1);
      p.waiting.shift()?.();
    },
    failed(pending, err) {
      // A connection the server closed while it idled: send again on a new one, once.
      const stale = pending.reused && pending.reader.received === 0 && STALE.has((err as NodeJS.ErrnoException).code ?? "");
      if (stale && !closed) exchange(pending.request, true).then(pending.resolve, pending.reject);
      else pending.reject(err);
    },
  };

  /** A connection to `t`: an idle one (unless `fresh`) or a new one, waiting while the origin is at its limit. */
  async function acquire(t: Target, p: Pool, fresh: boolean, ticket: Ticket): Promise<Connection> {
    for (;;) {
      if (closed) throw named("AbortError", "the HTTP client was closed (its owner is shutting down)");
      if (ticket.error) throw ticket.error;
      if (!fresh) {
        const idle = p.idle.pop();
        if (idle) return idle;
      }
      if (p.open < maxSockets) {
        const connection = new Connection(owner, p, t, options.ca);
        p.open++;
        all.add(connection);
        return connection;
      }
      await ticket.wait(p);
    }
  }

  async function exchange(request: RawDeliveryRequest, fresh: boolean): Promise<RawDeliveryResponse> {
    const t = target(request.url);
    const head = requestHead(request, t.path, t.host);
    const p = poolOf(t.origin);
    if (p.idle.length > 0 && !fresh) {
      const connection = p.idle.pop()!;
      return new Promise<RawDeliveryResponse>((resolve, reject) => connection.send(request, head, request.timeoutMs, resolve, reject));
    }
    const ticket = new Ticket(request, Date.now() + request.timeoutMs);
    let connection: Connection;
    try {
      connection = await acquire(t, p, fresh, ticket);
    } finally {
      ticket.done();
    }
    return new Promise<RawDeliveryResponse>((resolve, reject) => connection.send(request, head, Math.max(1, ticket.deadline - Date.now()), resolve, reject));
  }

  return Object.assign((request: RawDeliveryRequest) => exchange(request, false), {
    close() {
      closed = true;
      for (const connection of all) connection.abandon(named("AbortError", "the HTTP client was closed (its owner is shutting down)"));
      all.clear();
      for (const p of pools.values()) for (const w of p.waiting.splice(0)) w();
      pools.clear();
    },
  });
}
