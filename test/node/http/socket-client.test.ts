/**
 * createSocketClient against real local servers (https: in node-deliver-https.test.ts): node:http ones for ordinary exchanges, raw
 * node:net ones where the exact response bytes matter (framings, interim answers, malformed
 * answers, servers that close connections). What is sent, what comes back, connection reuse and
 * limits, the one retry on a stale keep-alive connection, timeouts, cancellation and close().
 */
import { randomBytes } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import net, { type AddressInfo, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { AttemptHandle, RawDeliveryRequest, RawDeliveryResponse } from "../../../src/broker/local/delivery/delivery.ts";
import { createNodeDeliver } from "../../../src/node/http/node-fetch.ts";
import { createSocketClient, type NodeHttpClient, type SocketClientOptions } from "../../../src/node/http/socket-client.ts";
import { freePort } from "../../support/ports.ts";
import { waitFor } from "../../support/wait.ts";

/** Undone after each test, last first: delivers closed, servers' connections destroyed, servers closed. */
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const undo of cleanups.splice(0).reverse()) await undo();
});

function deliverWith(options?: SocketClientOptions): NodeHttpClient {
  const send = createSocketClient(options);
  cleanups.push(() => send.close());
  return send;
}

/** What every test server records: its connections in accept order and which have closed. */
interface Listener {
  port: number;
  url(path: string): string;
  connections: Socket[];
  closed: Set<Socket>;
}

async function listen(server: net.Server, destroyAll: () => void): Promise<Listener> {
  const t: Listener = { port: 0, url: (path) => `http://127.0.0.1:${t.port}${path}`, connections: [], closed: new Set() };
  server.on("connection", (s: Socket) => {
    t.connections.push(s);
    s.on("close", () => t.closed.add(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.port = (server.address() as AddressInfo).port;
  cleanups.push(() => {
    destroyAll();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return t;
}

/** A node:http server; `handle` gets the request with its whole body. */
async function httpServer(handle: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void, options: http.ServerOptions = { keepAliveTimeout: 60_000 }) {
  const server = http.createServer(options, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => handle(req, res, Buffer.concat(chunks)));
  });
  return listen(server, () => server.closeAllConnections());
}

/** One request as a raw server read it. */
interface RawRequest {
  socket: Socket;
  /** Index of its connection in `connections`. */
  conn: number;
  /** 1 for the first request on its connection. */
  nth: number;
  method: string;
  path: string;
  head: string;
  body: Buffer;
}

type RawServer = Listener & { requests: RawRequest[] };

/** A node:net server that parses requests (head, Content-Length body) and lets `answer` write any bytes. */
async function rawServer(answer: (req: RawRequest) => void): Promise<RawServer> {
  const requests: RawRequest[] = [];
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on("error", () => {}); // a client that resets is part of several tests
    let buffer = Buffer.alloc(0);
    let nth = 0;
    socket.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const end = buffer.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = buffer.toString("latin1", 0, end);
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffer.length < end + 4 + length) return;
        const body = buffer.subarray(end + 4, end + 4 + length);
        buffer = buffer.subarray(end + 4 + length);
        const [method, path] = head.split(" ");
        const req: RawRequest = { socket, conn: t.connections.indexOf(socket), nth: ++nth, method, path, head, body };
        requests.push(req);
        answer(req);
      }
    });
  });
  const t = await listen(server, () => {
    for (const s of t.connections) s.destroy();
  });
  return Object.assign(t, { requests });
}

/** A complete response with a Content-Length. */
const ok = (body: string, extra = "") => `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

/** Writes `bytes` one byte per write, letting the event loop turn between writes, so the client reads them in many pieces. */
async function dribble(socket: Socket, bytes: string): Promise<void> {
  for (const byte of Buffer.from(bytes, "latin1")) {
    await new Promise<void>((resolve) => socket.write(Buffer.from([byte]), () => resolve()));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

const request = (url: string, extra: Partial<RawDeliveryRequest> = {}): RawDeliveryRequest => ({ url, method: "GET", headers: {}, body: null, timeoutMs: 10_000, ...extra });
const text = (res: RawDeliveryResponse) => Buffer.from(res.body).toString("latin1");
const allHeaders = (res: RawDeliveryResponse) => {
  const out: Record<string, string> = {};
  res.headers.forEach((value, name) => (out[name] = value));
  return out;
};
const pairs = (raw: string[]) => Array.from({ length: raw.length / 2 }, (_, i) => [raw[2 * i], raw[2 * i + 1]] as const);

describe("createSocketClient: what is sent and what comes back", () => {
  it("createSocketClient sends the method, path and query, the headers as named, Host, Content-Length and the exact body bytes", async () => {
    const seen: { method?: string; url?: string; rawHeaders?: string[]; body?: Buffer } = {};
    const s = await httpServer((req, res, body) => {
      Object.assign(seen, { method: req.method, url: req.url, rawHeaders: req.rawHeaders, body });
      res.setHeader("Content-Type", "application/json");
      res.setHeader("X-Multi", ["a", "b"]);
      res.setHeader("Set-Cookie", ["c=1", "d=2"]);
      res.writeHead(201, "Created");
      res.end('{"created":true}');
    });
    const send = deliverWith();
    // Binary bytes (CRLFs, NUL, bytes above 0x7f) in a view that does not start at its buffer's start.
    const bytes = [0x00, 0x01, 0x0d, 0x0a, 0x0d, 0x0a, 0x7f, 0x80, 0xfe, 0xff, 0x41];
    const backing = new Uint8Array(32).fill(0x2a);
    backing.set(bytes, 7);
    const res = await send({
      url: s.url("/tasks/add?x=1&y=two%20words"),
      method: "POST",
      headers: { "Upstash-Message-Id": "msg_1", "Content-Type": "application/octet-stream", "x-lower-case": "v", "X-Latin1": "café" },
      body: backing.subarray(7, 7 + bytes.length),
      timeoutMs: 5_000,
    });

    expect(seen.method).toBe("POST");
    expect(seen.url).toBe("/tasks/add?x=1&y=two%20words");
    expect(Object.fromEntries(pairs(seen.rawHeaders!))).toEqual({
      Host: `127.0.0.1:${s.port}`,
      "Upstash-Message-Id": "msg_1",
      "Content-Type": "application/octet-stream",
      "x-lower-case": "v",
      "X-Latin1": Buffer.from("café", "latin1").toString("latin1"),
      "Content-Length": String(bytes.length),
    });
    expect(seen.rawHeaders).toHaveLength(12); // no header sent twice, nothing else added
    expect([...seen.body!]).toEqual(bytes);

    expect(res.status).toBe(201);
    expect(text(res)).toBe('{"created":true}');
    expect(res.body).toBeInstanceOf(Uint8Array);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("CONTENT-TYPE")).toBe("application/json");
    expect(res.headers.get("x-multi")).toBe("a, b");
    expect(res.headers.get("Set-Cookie")).toBe("c=1, d=2");
    expect(res.headers.get("x-absent")).toBeNull();
    expect(allHeaders(res)).toMatchObject({ "content-type": "application/json", "x-multi": "a, b" });
    expect(Object.keys(allHeaders(res)).every((name) => name === name.toLowerCase())).toBe(true);
    // As `Headers` iterates them: each Set-Cookie on its own.
    const cookies: string[] = [];
    res.headers.forEach((value, name) => name === "set-cookie" && cookies.push(value));
    expect(cookies).toEqual(["c=1", "d=2"]);
  });

  it("createSocketClient sends no Content-Length without a body and Content-Length: 0 for an empty one", async () => {
    const seen: { method: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
    const s = await httpServer((req, res, body) => {
      seen.push({ method: req.method!, headers: req.headers, body: body.toString() });
      res.end("ok");
    });
    const send = deliverWith();
    expect(text(await send(request(s.url("/a"))))).toBe("ok");
    expect(text(await send(request(s.url("/b"), { method: "DELETE", body: new Uint8Array(0) })))).toBe("ok");
    expect(seen.map((r) => [r.method, r.headers["content-length"], r.headers["transfer-encoding"], r.body])).toEqual([
      ["GET", undefined, undefined, ""],
      ["DELETE", "0", undefined, ""],
    ]);
  });

  it("createSocketClient writes Host, Content-Length and the connection headers itself, ignoring the caller's", async () => {
    const seen: { rawHeaders: string[]; body: string }[] = [];
    const s = await httpServer((req, res, body) => {
      seen.push({ rawHeaders: req.rawHeaders, body: body.toString() });
      res.end("ok");
    });
    const send = deliverWith();
    const headers = { host: "evil.example", "Content-Length": "999", Connection: "close", "Transfer-Encoding": "chunked", "X-Kept": "1" };
    for (let i = 0; i < 2; i++) {
      expect(text(await send(request(s.url("/x"), { method: "POST", headers, body: new TextEncoder().encode("abc") })))).toBe("ok");
    }
    for (const r of seen) {
      expect(Object.fromEntries(pairs(r.rawHeaders))).toEqual({ Host: `127.0.0.1:${s.port}`, "X-Kept": "1", "Content-Length": "3" });
      expect(r.body).toBe("abc");
    }
    expect(s.connections).toHaveLength(1); // the caller's Connection: close was not sent
  });

  it("createSocketClient clears attempt.cancel when a request ends, so a stale handle cannot cut the next request on that connection", async () => {
    const held: ServerResponse[] = [];
    const s = await httpServer((req, res) => (req.url === "/hold" ? held.push(res) : res.end("quick")));
    const send = deliverWith();
    const first: AttemptHandle = {};
    expect(text(await send(request(s.url("/quick"), { attempt: first })))).toBe("quick");
    expect(first.cancel).toBeUndefined();

    const second: AttemptHandle = {};
    const pending = send(request(s.url("/hold"), { attempt: second }));
    await waitFor(() => held.length === 1, { what: "the held request to arrive" });
    expect(s.connections).toHaveLength(1); // the same connection carries both
    first.cancel?.();
    held[0].end("late");
    expect(text(await pending)).toBe("late");
  });

  it("createSocketClient refuses URLs that are neither http: nor https:", async () => {
    const send = deliverWith();
    await expect(send(request("ftp://127.0.0.1:1/x"))).rejects.toThrow(TypeError);
    await expect(send(request("ws://127.0.0.1:1/x"))).rejects.toThrow(/speaks http: and https:, not ws:/);
  });
});

describe("createSocketClient: connections", () => {
  it("createSocketClient sends 20 sequential requests over one keep-alive connection", async () => {
    let n = 0;
    const s = await httpServer((_req, res) => res.end(`ok ${++n}`));
    const send = deliverWith();
    for (let i = 1; i <= 20; i++) expect(text(await send(request(s.url(`/n/${i}`))))).toBe(`ok ${i}`);
    expect(s.connections).toHaveLength(1);
    expect(s.closed.size).toBe(0);
  });

  it("createSocketClient opens at most maxSockets connections for 50 concurrent requests, each answered with its own response", async () => {
    const s = await httpServer((req, res) => res.end(`answer to ${req.url}`));
    const send = deliverWith({ maxSockets: 4 });
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => send(request(s.url(`/item/${i}`)))));
    expect(answers.map((r) => [r.status, text(r)])).toEqual(Array.from({ length: 50 }, (_, i) => [200, `answer to /item/${i}`]));
    expect(s.connections).toHaveLength(4);
  });

  it("createSocketClient keeps at most maxFreeSockets idle connections and reuses the one it keeps", async () => {
    const held: ServerResponse[] = [];
    const s = await httpServer((_req, res) => {
      held.push(res);
      if (held.length === 4) for (const r of held) r.end("ok");
    });
    const send = deliverWith({ maxSockets: 4, maxFreeSockets: 1 });
    // The server answers only once all four are in, so four connections are open at once.
    const answers = await Promise.all(Array.from({ length: 4 }, (_, i) => send(request(s.url(`/${i}`)))));
    expect(answers.map(text)).toEqual(["ok", "ok", "ok", "ok"]);
    expect(s.connections).toHaveLength(4);
    await waitFor(() => s.closed.size === 3, { what: "three of the four connections to close" });
    held.length = 0;
    const next = send(request(s.url("/again")));
    await waitFor(() => held.length === 1, { what: "the next request to arrive" });
    held[0].end("again");
    expect(text(await next)).toBe("again");
    expect(s.connections).toHaveLength(4);
    expect(s.closed.has(held[0].socket!)).toBe(false);
  });

  it("createSocketClient opens a new connection after a Connection: close or HTTP/1.0 response, closing the old one itself", async () => {
    for (const answer of ["HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"]) {
      // The server never closes: the client must not reuse the connection, and must close it.
      const s = await rawServer((req) => req.socket.write(answer));
      const send = deliverWith();
      expect(text(await send(request(s.url("/1"))))).toBe("ok");
      await waitFor(() => s.closed.has(s.connections[0]), { what: "the client to close the connection" });
      expect(text(await send(request(s.url("/2"))))).toBe("ok");
      expect(s.requests.map((r) => [r.conn, r.nth, r.path])).toEqual([
        [0, 1, "/1"],
        [1, 1, "/2"],
      ]);
    }
  });

  it("createSocketClient reuses a connection after an HTTP/1.0 response that asks for keep-alive", async () => {
    const s = await rawServer((req) => req.socket.write(`HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n${req.nth}!`));
    const send = deliverWith();
    expect([text(await send(request(s.url("/1")))), text(await send(request(s.url("/2"))))]).toEqual(["1!", "2!"]);
    expect(s.connections).toHaveLength(1);
  });
});

describe("createSocketClient: response framings", () => {
  it("createSocketClient reads a Content-Length body and leaves the connection ready for the next response", async () => {
    const s = await rawServer((req) => {
      // Head and body in separate writes, the body split mid-way.
      req.socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-Nth: ${req.nth}\r\n\r\n`);
      req.socket.write("hello");
      req.socket.write(" world");
    });
    const send = deliverWith();
    for (let i = 1; i <= 3; i++) {
      const res = await send(request(s.url("/")));
      expect([res.status, res.headers.get("x-nth"), text(res)]).toEqual([200, String(i), "hello world"]);
    }
    expect(s.connections).toHaveLength(1);
  });

  it("createSocketClient decodes a chunked body read byte by byte, with a chunk extension and trailers, and reuses the connection", async () => {
    const chunked =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Head: h\r\n\r\n" +
      "5;name=value\r\nhello\r\n" +
      "2\r\n, \r\n" +
      "1a\r\nabcdefghijklmnopqrstuvwxyz\r\n" +
      "A ; ext\r\n0123456789\r\n" +
      "0\r\nX-Checksum: abc\r\nX-Other: 2\r\n\r\n";
    const s = await rawServer((req) => void dribble(req.socket, chunked));
    const send = deliverWith();
    for (let i = 0; i < 2; i++) {
      const res = await send(request(s.url(`/${i}`)));
      expect([res.status, res.headers.get("x-head"), text(res)]).toEqual([200, "h", "hello, abcdefghijklmnopqrstuvwxyz0123456789"]);
    }
    expect(s.connections).toHaveLength(1);
  });

  it("createSocketClient decodes a chunked body that arrives in one write", async () => {
    const s = await rawServer((req) => req.socket.write("HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n"));
    const send = deliverWith();
    expect(text(await send(request(s.url("/"))))).toBe("abcdef");
    expect(text(await send(request(s.url("/"))))).toBe("abcdef");
    expect(s.connections).toHaveLength(1);
  });

  it("createSocketClient reads a body without length until the server closes, then opens a new connection", async () => {
    const s = await rawServer((req) => {
      req.socket.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\npart one, ");
      req.socket.write(`part two of ${req.path}`);
      req.socket.end();
    });
    const send = deliverWith();
    expect(text(await send(request(s.url("/a"))))).toBe("part one, part two of /a");
    expect(text(await send(request(s.url("/b"))))).toBe("part one, part two of /b");
    expect(s.requests.map((r) => r.conn)).toEqual([0, 1]);
  });

  it("createSocketClient answers an empty body for 204, 304 and HEAD whatever Content-Length says, and reuses the connection", async () => {
    const s = await rawServer((req) => {
      if (req.path === "/204") req.socket.write("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\nX-Kind: 204\r\n\r\n");
      else if (req.path === "/304") req.socket.write("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n");
      else if (req.method === "HEAD") req.socket.write("HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-Kind: head\r\n\r\n");
      else req.socket.write(ok(`get ${req.nth}`));
    });
    const send = deliverWith();
    const no = await send(request(s.url("/204"), { method: "POST", body: new TextEncoder().encode("x") }));
    expect([no.status, no.headers.get("x-kind"), no.body.byteLength]).toEqual([204, "204", 0]);
    const notModified = await send(request(s.url("/304")));
    expect([notModified.status, notModified.body.byteLength]).toEqual([304, 0]);
    const head = await send(request(s.url("/h"), { method: "HEAD" }));
    expect([head.status, head.headers.get("content-length"), head.headers.get("x-kind"), head.body.byteLength]).toEqual([200, "11", "head", 0]);
    expect(text(await send(request(s.url("/g"))))).toBe("get 4");
    expect(s.connections).toHaveLength(1);
  });

  it("createSocketClient skips interim 100 and 103 responses and answers the final one", async () => {
    const s = await rawServer((req) =>
      void dribble(
        req.socket,
        "HTTP/1.1 100 Continue\r\n\r\n" +
          "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n" +
          "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Final: yes\r\n\r\nfinal",
      ),
    );
    const send = deliverWith();
    const res = await send(request(s.url("/")));
    expect([res.status, res.headers.get("x-final"), res.headers.get("link"), text(res)]).toEqual([200, "yes", null, "final"]);
    expect(text(await send(request(s.url("/"))))).toBe("final");
    expect(s.connections).toHaveLength(1);
  });

  it("createSocketClient returns a 1 MiB body intact, framed by Content-Length or chunked", async () => {
    const big = randomBytes(1024 * 1024);
    const s = await httpServer((req, res) => {
      if (req.url === "/length") res.end(big);
      else {
        // No Content-Length: node:http sends chunked, one chunk per write.
        for (let at = 0; at < big.length; at += 100_000) res.write(big.subarray(at, at + 100_000));
        res.end();
      }
    });
    const send = deliverWith();
    const byLength = await send(request(s.url("/length")));
    expect(byLength.headers.get("content-length")).toBe(String(big.length));
    expect(Buffer.from(byLength.body).equals(big)).toBe(true);
    const byChunks = await send(request(s.url("/chunked")));
    expect(byChunks.headers.get("transfer-encoding")).toBe("chunked");
    expect(Buffer.from(byChunks.body).equals(big)).toBe(true);
    expect(s.connections).toHaveLength(1);
  });

  it("createSocketClient sends a 1 MiB request body intact", async () => {
    const big = randomBytes(1024 * 1024);
    let received: Buffer | undefined;
    const s = await httpServer((_req, res, body) => {
      received = body;
      res.end(String(body.length));
    });
    const send = deliverWith();
    expect(text(await send(request(s.url("/up"), { method: "PUT", body: big })))).toBe(String(big.length));
    expect(received!.equals(big)).toBe(true);
  });
});

describe("createSocketClient: connections the server closes", () => {
  it("createSocketClient succeeds after the server closed an idle keep-alive connection (keepAliveTimeout)", async () => {
    let n = 0;
    const s = await httpServer((_req, res) => res.end(`ok ${++n}`), { keepAliveTimeout: 1 });
    const send = deliverWith();
    expect(text(await send(request(s.url("/1"))))).toBe("ok 1");
    await waitFor(() => s.closed.has(s.connections[0]), { what: "the server to close the idle connection" });
    expect(text(await send(request(s.url("/2"), { method: "POST", body: new TextEncoder().encode("b") })))).toBe("ok 2");
    expect(s.connections).toHaveLength(2);
  });

  it("createSocketClient succeeds on every request when the server closes each connection right after its response", async () => {
    // No Connection: close: the client learns of the close only from the socket, often after it sent the next request.
    const s = await rawServer((req) => {
      req.socket.end(ok(`conn ${req.conn}`));
      req.socket.destroy();
    });
    const send = deliverWith();
    const bodies: string[] = [];
    for (let i = 0; i < 20; i++) bodies.push(text(await send(request(s.url(`/${i}`), { method: "POST", body: new TextEncoder().encode(`m${i}`) }))));
    expect(new Set(bodies).size).toBe(20); // each answered on a connection of its own
  });

  it("createSocketClient sends a request again, once, on a fresh connection when the server drops it on a reused one", async () => {
    const s = await rawServer((req) => (req.conn === 0 && req.nth === 2 ? req.socket.destroy() : req.socket.write(ok(`conn ${req.conn} nth ${req.nth}`))));
    const send = deliverWith();
    expect(text(await send(request(s.url("/first"))))).toBe("conn 0 nth 1");
    const res = await send(request(s.url("/second"), { method: "POST", headers: { "X-Id": "2" }, body: new TextEncoder().encode("again") }));
    expect(text(res)).toBe("conn 1 nth 1");
    expect(s.requests.map((r) => [r.conn, r.nth, r.method, r.path, r.body.toString()])).toEqual([
      [0, 1, "GET", "/first", ""],
      [0, 2, "POST", "/second", "again"],
      [1, 1, "POST", "/second", "again"],
    ]);
  });

  it("createSocketClient does not send again when the retry fails too, when the connection was fresh, or when the answer had begun", async () => {
    // Every request but the very first is dropped without an answer.
    const dropping = await rawServer((req) => (req.conn === 0 && req.nth === 1 ? req.socket.write(ok("first")) : req.socket.destroy()));
    const send = deliverWith();
    expect(text(await send(request(dropping.url("/1"))))).toBe("first");
    await expect(send(request(dropping.url("/2")))).rejects.toThrow(/closed before the response began/);
    expect(dropping.requests.map((r) => [r.conn, r.nth])).toEqual([
      [0, 1],
      [0, 2],
      [1, 1],
    ]); // once on the reused connection, once more on a fresh one, no more
    await expect(send(request(dropping.url("/3")))).rejects.toMatchObject({ code: "ECONNRESET" });
    expect(dropping.requests).toHaveLength(4); // a fresh connection's failure is not retried

    // The answer had begun on a reused connection: the request may have been acted on, so no retry.
    const partial = await rawServer((req) => {
      if (req.nth === 1) return void req.socket.write(ok("first"));
      req.socket.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", () => req.socket.destroy());
    });
    expect(text(await send(request(partial.url("/1"))))).toBe("first");
    await expect(send(request(partial.url("/2")))).rejects.toThrow(/closed before the response ended/);
    expect(partial.requests).toHaveLength(2);
  });
});

describe("createSocketClient: failures", () => {
  it("createSocketClient rejects with a TimeoutError after timeoutMs when the destination never answers, and closes the connection", async () => {
    const s = await rawServer(() => {});
    const send = deliverWith();
    const t0 = performance.now();
    const err = await send(request(s.url("/slow"), { timeoutMs: 100 })).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    const elapsed = performance.now() - t0;
    expect(err).toBeInstanceOf(Error);
    expect(err!.name).toBe("TimeoutError");
    expect(elapsed).toBeGreaterThanOrEqual(90);
    expect(elapsed).toBeLessThan(5_000);
    expect(s.requests).toHaveLength(1);
    await waitFor(() => s.closed.has(s.connections[0]), { what: "the timed-out connection to close" });
  });

  it("createSocketClient with timeoutMs Infinity waits for a slow answer (no timer), also for a request queued for a connection", async () => {
    let release = () => {};
    const held = new Promise<void>((r) => (release = r));
    const s = await rawServer((req) => void held.then(() => req.socket.write(ok(req.path))));
    const send = deliverWith({ maxSockets: 1 });
    const first = send(request(s.url("/first"), { timeoutMs: Infinity }));
    const queued = send(request(s.url("/queued"), { timeoutMs: Infinity }));
    await waitFor(() => s.requests.length === 1, { what: "the first request to arrive" });
    // Well past what a timer given Infinity would wait (Node fires it after 1 ms).
    await new Promise((r) => setTimeout(r, 50));
    release();
    expect(text(await first)).toBe("/first");
    expect(text(await queued)).toBe("/queued");
  });

  it("createSocketClient rejects with an AbortError when attempt.cancel is called, and the deliver goes on working", async () => {
    const s = await rawServer((req) => (req.conn === 0 ? undefined : req.socket.write(ok("after"))));
    const send = deliverWith();
    const attempt: AttemptHandle = {};
    const pending = send(request(s.url("/hang"), { attempt }));
    await waitFor(() => s.requests.length === 1, { what: "the request to arrive" });
    expect(attempt.cancel).toBeTypeOf("function");
    attempt.cancel!();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    expect(attempt.cancel).toBeUndefined();
    await waitFor(() => s.closed.has(s.connections[0]), { what: "the cancelled connection to close" });
    expect(text(await send(request(s.url("/next"))))).toBe("after");
  });

  it("createSocketClient close() rejects requests in flight and waiting, closes idle connections, and later sends reject", async () => {
    const idle = await httpServer((_req, res) => res.end("idle"));
    const hanging = await rawServer(() => {});
    const send = createSocketClient({ maxSockets: 1 });
    cleanups.push(() => send.close());
    expect(text(await send(request(idle.url("/"))))).toBe("idle");
    const inFlight = send(request(hanging.url("/a")));
    const waiting = send(request(hanging.url("/b")));
    await waitFor(() => hanging.requests.length === 1, { what: "the first request to arrive" });
    send.close();
    await expect(inFlight).rejects.toMatchObject({ name: "AbortError" });
    await expect(waiting).rejects.toMatchObject({ name: "AbortError" });
    await waitFor(() => hanging.closed.size === 1 && idle.closed.size === 1, { what: "every connection to close" });
    await expect(send(request(idle.url("/")))).rejects.toMatchObject({ name: "AbortError" });
    expect(hanging.requests.map((r) => r.path)).toEqual(["/a"]); // the waiting one was never sent
    expect(idle.connections).toHaveLength(1);
  });

  it("createSocketClient lets attempt.cancel stop a request still waiting for a connection", async () => {
    const s = await rawServer(() => {});
    const send = deliverWith({ maxSockets: 1 });
    const first: AttemptHandle = {};
    const queued: AttemptHandle = {};
    const inFlight = send(request(s.url("/a"), { attempt: first }));
    const waiting = send(request(s.url("/b"), { attempt: queued, timeoutMs: 300 }));
    await waitFor(() => s.requests.length === 1, { what: "the first request to arrive" });
    // What the local broker's close() does: cancel every attempt it holds.
    for (const attempt of [first, queued]) attempt.cancel?.();
    await expect(inFlight).rejects.toMatchObject({ name: "AbortError" });
    await expect(waiting).rejects.toMatchObject({ name: "AbortError" });
    expect(s.requests.map((r) => r.path)).toEqual(["/a"]);
  });

  it("createSocketClient rejects with ECONNREFUSED when nothing listens", async () => {
    const port = await freePort();
    const send = deliverWith();
    const err = (await send(request(`http://127.0.0.1:${port}/x`)).catch((e: unknown) => e)) as NodeJS.ErrnoException;
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe("ECONNREFUSED");
    expect(err.message).toContain("ECONNREFUSED");
  });

  const malformed: [string, string, RegExp][] = [
    ["no status line", "garbage\r\n\r\n", /did not answer with HTTP\/1\.x \(status line "garbage"\)/],
    ["HTTP/2 status line", "HTTP/2 200\r\n\r\n", /did not answer with HTTP\/1\.x/],
    ["a header line without a colon", "HTTP/1.1 200 OK\r\nNoColonHere\r\nContent-Length: 0\r\n\r\n", /malformed response header line "NoColonHere"/],
    ["a bad Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", /malformed Content-Length "-1"/],
    ["a hexadecimal Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 0x5\r\n\r\nhello", /malformed Content-Length "0x5"/],
    ["two different Content-Lengths", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello", /malformed Content-Length "5, 7"/],
    ["a bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", /malformed chunked response: chunk size "zz"/],
    ["a chunk without its CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n", /malformed chunked response: no CRLF after a chunk/],
  ];
  it.each(malformed)("createSocketClient rejects a response with %s, closes that connection, and the next request succeeds", async (_what, answer, message) => {
    const s = await rawServer((req) => req.socket.write(req.conn === 0 ? answer : ok("fine")));
    const good = await httpServer((_req, res) => res.end("good"));
    const send = deliverWith();
    await expect(send(request(s.url("/bad")))).rejects.toThrow(message);
    await waitFor(() => s.closed.has(s.connections[0]), { what: "the malformed connection to close" });
    expect(text(await send(request(s.url("/again"))))).toBe("fine");
    expect(s.requests.map((r) => r.conn)).toEqual([0, 1]);
    expect(text(await send(request(good.url("/"))))).toBe("good");
  });

  it("createSocketClient refuses a header with a line break, a control character or a bad name, sending nothing", async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    const s = await httpServer((req, res) => {
      seen.push(req.headers);
      res.end("ok");
    });
    const send = deliverWith();
    const bad: Record<string, string>[] = [
      { "X-Value": "a\r\nX-Injected: yes" },
      { "X-Value": "a\nX-Injected: yes" },
      { "X-Value": "a\rb" },
      { "X-Value": "nul\0" },
      { "X-Value": "wide ☃" },
      { "X Name": "v" },
      { "X-Name:": "v" },
      { "X-Name\r\nX-Injected": "yes" },
      { "": "v" },
    ];
    for (const headers of bad) {
      await expect(send(request(s.url("/x"), { method: "POST", headers, body: new TextEncoder().encode("b") })), JSON.stringify(headers)).rejects.toThrow(TypeError);
    }
    expect(text(await send(request(s.url("/x"), { headers: { "X-Value": "tab\tand latin1 é" } })))).toBe("ok");
    expect(s.connections).toHaveLength(1);
    expect(seen).toHaveLength(1);
    expect(seen[0]["x-injected"]).toBeUndefined();
  });
});

describe("createNodeDeliver().raw", () => {
  it("createNodeDeliver().raw delivers to an http: URL over a pooled keep-alive connection", async () => {
    const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
    const s = await httpServer((req, res, body) => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: body.toString() });
      res.writeHead(202, { "X-Reply": "r", "Content-Type": "text/plain" });
      res.end(`got ${body.length}`);
    });
    const deliver = createNodeDeliver();
    cleanups.push(() => deliver.close());
    for (let i = 0; i < 3; i++) {
      const headers = { "Upstash-Retried": "0", "Content-Type": "application/json" };
      const res = await deliver.raw!({ url: s.url(`/tasks/${i}?q=1`), method: "POST", headers, body: new TextEncoder().encode(`{"i":${i}}`), timeoutMs: 5_000 });
      expect([res.status, res.headers.get("X-Reply"), text(res)]).toEqual([202, "r", "got 7"]);
      expect(headers).toEqual({ "Upstash-Retried": "0", "Content-Type": "application/json" }); // the caller's headers are left alone
    }
    expect(seen.map((r) => [r.method, r.url, r.headers["upstash-retried"], r.headers["content-type"], r.headers["content-length"], r.body])).toEqual(
      [0, 1, 2].map((i) => ["POST", `/tasks/${i}?q=1`, "0", "application/json", "7", `{"i":${i}}`]),
    );
    expect(s.connections).toHaveLength(1);
    deliver.close();
    await waitFor(() => s.closed.size === 1, { what: "close() to close the pooled connection" });
  });

  it("createNodeDeliver().raw takes timeoutMs: Infinity (no time limit) for https: as for http:", async () => {
    const deliver = createNodeDeliver();
    cleanups.push(() => deliver.close());
    const closed = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, "127.0.0.1", () => {
        const port = (server.address() as net.AddressInfo).port;
        server.close(() => resolve(port));
      });
    });
    for (const scheme of ["http", "https"]) {
      const err = await deliver.raw!({ url: `${scheme}://127.0.0.1:${closed}/x`, method: "POST", headers: {}, body: null, timeoutMs: Infinity }).catch((e: unknown) => e);
      expect((err as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
    }
  });
});
