/**
 * createNodeFetch against real local http and https servers: what it sends and answers, socket
 * reuse, aborts, and the one retry of a request whose reused keep-alive socket the server closed.
 */
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createNodeFetch, type NodeFetch } from "../../../src/node/http/node-fetch.ts";
import { waitFor } from "../../support/wait.ts";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
const cert = fixture("localhost-cert.pem");

/** A server that records its sockets and requests; the path says how it answers. */
interface TestServer {
  base: string;
  server: Server;
  sockets: Socket[];
  closed: Set<Socket>;
  requests: { method: string; url: string }[];
  held: ServerResponse[];
}

/** Requests served so far on each socket. */
const served = new WeakMap<Socket, number>();

function handle(t: TestServer, req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    t.requests.push({ method: req.method!, url: req.url! });
    const nth = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, nth);
    const path = new URL(req.url!, "http://x").pathname;
    const status = /^\/status\/(\d+)$/.exec(path);
    if (path === "/echo") {
      res.setHeader("content-type", "application/json");
      res.setHeader("set-cookie", ["a=1", "b=2"]);
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString("base64") }));
    } else if (status) {
      res.writeHead(Number(status[1]), { "x-status": status[1] });
      res.end([204, 304].includes(Number(status[1])) ? undefined : `status ${status[1]}`);
    } else if (path === "/hold") {
      t.held.push(res);
    } else if (path === "/drop" || (path === "/drop-reused" && nth > 1)) {
      req.socket.destroy();
    } else if (path === "/close-after") {
      res.end("bye", () => req.socket.end());
    } else {
      res.end(`ok ${nth}`);
    }
  });
}

async function start(server: Server, scheme: string): Promise<TestServer> {
  const t: TestServer = { base: "", server, sockets: [], closed: new Set(), requests: [], held: [] };
  server.on("request", (req, res) => handle(t, req, res));
  server.on(scheme === "https" ? "secureConnection" : "connection", (s: Socket) => {
    t.sockets.push(s);
    s.on("close", () => t.closed.add(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.base = `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return t;
}

let h: TestServer;
let tls: TestServer;
let nodeFetch: NodeFetch;

beforeAll(async () => {
  h = await start(createHttpServer({ keepAliveTimeout: 60_000 }), "http");
  tls = await start(createHttpsServer({ cert, key: fixture("localhost-key.pem"), keepAliveTimeout: 60_000 }), "https");
});
afterEach(() => {
  nodeFetch?.close();
  for (const t of [h, tls]) {
    for (const res of t.held.splice(0)) res.destroy();
    t.server.closeAllConnections();
    t.sockets.length = 0;
    t.requests.length = 0;
  }
});
afterAll(async () => {
  for (const t of [h, tls]) await new Promise((resolve) => t.server.close(resolve));
});

const echo = async (res: Response) => (await res.json()) as { method: string; url: string; headers: Record<string, string>; body: string };
const bodyOf = (b64: string) => Buffer.from(b64, "base64").toString();

describe("createNodeFetch", () => {
  it("sends the method, headers and each kind of body, and answers status, headers and body", async () => {
    nodeFetch = createNodeFetch();
    const get = await nodeFetch(`${h.base}/echo?a=1&b=two`, { headers: { "X-Trace": "abc" } });
    expect(get.status).toBe(200);
    expect(get.headers.get("content-type")).toBe("application/json");
    expect(get.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    const seen = await echo(get);
    expect(seen).toMatchObject({ method: "GET", url: "/echo?a=1&b=two", body: "" });
    expect(seen.headers["x-trace"]).toBe("abc");

    const text = await echo(await nodeFetch(`${h.base}/echo`, { method: "POST", body: "héllo" }));
    expect(text).toMatchObject({ method: "POST", headers: { "content-type": "text/plain;charset=UTF-8", "content-length": "6" } });
    expect(bodyOf(text.body)).toBe("héllo");

    const bytes = new TextEncoder().encode("xx{\"a\":1}yy").subarray(2, 9);
    const view = await echo(await nodeFetch(`${h.base}/echo`, { method: "PUT", body: bytes, headers: new Headers({ "Content-Type": "application/json" }) }));
    expect(view).toMatchObject({ method: "PUT", headers: { "content-type": "application/json", "content-length": "7" } });
    expect(bodyOf(view.body)).toBe('{"a":1}');

    const buffer = await echo(await nodeFetch(new URL(`${h.base}/echo`), { method: "PATCH", body: new TextEncoder().encode("ab").buffer, headers: [["x-a", "1"]] }));
    expect(buffer).toMatchObject({ method: "PATCH", headers: { "x-a": "1", "content-length": "2" } });
    expect(bodyOf(buffer.body)).toBe("ab");

    const del = await echo(await nodeFetch(new Request(`${h.base}/echo`, { method: "DELETE", headers: { "x-b": "2" } })));
    expect(del).toMatchObject({ method: "DELETE", headers: { "x-b": "2" } });
    const posted = await echo(await nodeFetch(new Request(`${h.base}/echo`, { method: "POST", body: "from a Request" })));
    expect(bodyOf(posted.body)).toBe("from a Request");
  });

  it("answers error statuses with their body, and 204 with no body", async () => {
    nodeFetch = createNodeFetch();
    for (const code of [201, 400, 404, 500]) {
      const res = await nodeFetch(`${h.base}/status/${code}`, { method: "POST", body: "{}" });
      expect([res.status, res.ok, res.headers.get("x-status"), await res.text()]).toEqual([code, code < 300, String(code), `status ${code}`]);
    }
    const empty = await nodeFetch(`${h.base}/status/204`, { method: "DELETE" });
    expect([empty.status, empty.body, await empty.text()]).toEqual([204, null, ""]);
  });

  it("reuses one keep-alive socket for sequential requests", async () => {
    nodeFetch = createNodeFetch();
    for (let i = 1; i <= 5; i++) expect(await (await nodeFetch(`${h.base}/n`)).text()).toBe(`ok ${i}`);
    expect(h.sockets).toHaveLength(1);
  });

  it("opens at most maxSockets sockets to an origin", async () => {
    nodeFetch = createNodeFetch({ maxSockets: 2 });
    const answers = await Promise.all(Array.from({ length: 8 }, () => nodeFetch(`${h.base}/n`).then((r) => r.text())));
    expect(answers).toHaveLength(8);
    expect(h.sockets).toHaveLength(2);
  });

  it("speaks https with a keep-alive socket, trusting the given CA", async () => {
    nodeFetch = createNodeFetch({ ca: cert });
    const seen = await echo(await nodeFetch(`${tls.base}/echo`, { method: "POST", body: "secret" }));
    expect(bodyOf(seen.body)).toBe("secret");
    expect(await (await nodeFetch(`${tls.base}/n`)).text()).toBe("ok 2");
    expect(tls.sockets).toHaveLength(1);
    const untrusted = createNodeFetch();
    await expect(untrusted(`${tls.base}/n`)).rejects.toThrow(TypeError);
    untrusted.close();
  });

  it("rejects with the signal's reason when aborted before or while waiting for the answer", async () => {
    nodeFetch = createNodeFetch();
    const before = new AbortController();
    before.abort();
    await expect(nodeFetch(`${h.base}/n`, { signal: before.signal })).rejects.toMatchObject({ name: "AbortError" });
    expect(h.requests).toHaveLength(0);

    const during = new AbortController();
    const pending = nodeFetch(`${h.base}/hold`, { signal: during.signal });
    await waitFor(() => h.held.length === 1, { what: "the held request to arrive" });
    during.abort(new Error("caller gave up"));
    await expect(pending).rejects.toThrow("caller gave up");
    expect(await (await nodeFetch(`${h.base}/n`)).text()).toMatch(/^ok/);
  });

  it("sends a request again on a fresh socket when its reused keep-alive socket was closed by the server", async () => {
    nodeFetch = createNodeFetch();
    expect(await (await nodeFetch(`${h.base}/drop-reused`)).text()).toBe("ok 1");
    // The server drops the reused socket on this request without answering: it is retried once.
    const res = await nodeFetch(`${h.base}/drop-reused`, { method: "POST", body: "again" });
    expect(await res.text()).toBe("ok 1");
    expect(h.sockets).toHaveLength(2);
    expect(h.requests.map((r) => r.method)).toEqual(["GET", "POST", "POST"]);
  });

  it("still succeeds after the server closed an idle keep-alive socket", async () => {
    nodeFetch = createNodeFetch();
    expect(await (await nodeFetch(`${h.base}/close-after`)).text()).toBe("bye");
    await waitFor(() => h.closed.has(h.sockets[0]), { what: "the server to close the idle socket" });
    expect(await (await nodeFetch(`${h.base}/n`)).text()).toBe("ok 1");
  });

  it("does not retry a failure on a fresh socket: it rejects with a TypeError naming the request", async () => {
    nodeFetch = createNodeFetch();
    const err = await nodeFetch(`${h.base}/drop`, { method: "POST", body: "x" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toMatch(new RegExp(`^POST ${h.base}/drop failed: `));
    expect(h.requests).toHaveLength(1);
  });

  it("refuses other protocols and body types before sending anything", async () => {
    nodeFetch = createNodeFetch();
    await expect(nodeFetch("ftp://127.0.0.1/x")).rejects.toThrow(/http: and https:/);
    await expect(nodeFetch(`${h.base}/echo`, { method: "POST", body: new URLSearchParams("a=1") })).rejects.toThrow(/string, Uint8Array or ArrayBuffer/);
    expect(h.requests).toHaveLength(0);
  });

  it("closes its idle sockets on close()", async () => {
    nodeFetch = createNodeFetch();
    await (await nodeFetch(`${h.base}/n`)).text();
    nodeFetch.close();
    await waitFor(() => h.closed.has(h.sockets[0]), { what: "the pooled socket to close" });
  });
});
