/**
 * createNodeDeliver().raw (the socket client) to https: destinations (a local broker delivering to a
 * worker behind TLS; the requester and the publisher to Upstash and QStash), against a real local node:https server with a self-signed certificate: trust, keep-alive reuse,
 * the one resend after a stale keep-alive connection, time limits and cancellation.
 */
import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AttemptHandle, RawDeliveryRequest } from "../../../src/broker/local/delivery/delivery.ts";
import { createNodeDeliver, type NodeDeliver } from "../../../src/node/http/node-fetch.ts";
import { waitFor } from "../../support/wait.ts";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
const cert = fixture("localhost-cert.pem");

/** What the server saw, per request. */
interface Seen {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The request's place on its connection (1 = the connection's first). */
  nth: number;
  /** Its connection resumed an earlier TLS session. */
  resumed: boolean;
}

let server: Server;
let base: string;
const sockets: Socket[] = [];
const seen: Seen[] = [];
const held: ServerResponse[] = [];
const served = new WeakMap<Socket, number>();
let deliver: NodeDeliver;

beforeAll(async () => {
  server = createServer({ cert, key: fixture("localhost-key.pem"), keepAliveTimeout: 60_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const nth = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, nth);
      seen.push({ path: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString(), nth, resumed: (req.socket as TLSSocket).isSessionReused() });
      if (req.url === "/hold") held.push(res);
      else if (req.url === "/drop" || (req.url === "/drop-reused" && nth > 1)) req.socket.destroy();
      else if (req.url === "/bye") res.writeHead(200, { connection: "close" }).end("bye");
      else {
        res.writeHead(202, { "x-reply": ["a", "b"], "content-type": "text/plain" });
        res.end(`got ${Buffer.concat(chunks).length} on request ${nth}`);
      }
    });
  });
  server.on("secureConnection", (s: Socket) => sockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => {
  deliver?.close();
  for (const res of held.splice(0)) res.destroy();
  server.closeAllConnections();
  sockets.length = 0;
  seen.length = 0;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const post = (path: string, extra: Partial<RawDeliveryRequest> = {}): RawDeliveryRequest => ({
  url: `${base}${path}`,
  method: "POST",
  headers: { "Content-Type": "application/json", "Upstash-Retried": "0" },
  body: new TextEncoder().encode('{"a":1}'),
  timeoutMs: 5_000,
  ...extra,
});
const text = (body: Uint8Array) => new TextDecoder().decode(body);

describe("createNodeDeliver().raw over https", () => {
  it("delivers to an https: URL, trusting the given CA, over one keep-alive connection", async () => {
    deliver = createNodeDeliver({ ca: cert });
    for (let i = 1; i <= 3; i++) {
      const res = await deliver.raw!(post(`/tasks/t${i}?q=1`));
      expect([res.status, res.headers.get("X-Reply"), res.headers.get("content-type"), text(res.body)]).toEqual([202, "a, b", "text/plain", `got 7 on request ${i}`]);
    }
    expect(seen.map((s) => [s.path, s.headers["content-type"], s.headers["upstash-retried"], s.headers["content-length"], s.body])).toEqual(
      [1, 2, 3].map((i) => [`/tasks/t${i}?q=1`, "application/json", "0", "7", '{"a":1}']),
    );
    expect(sockets).toHaveLength(1);

    const untrusted = createNodeDeliver();
    const err = await untrusted.raw!(post("/tasks/t")).catch((e: unknown) => e);
    untrusted.close();
    expect((err as NodeJS.ErrnoException).code).toBe("DEPTH_ZERO_SELF_SIGNED_CERT");
    expect(seen).toHaveLength(3);
  });

  it("resumes the TLS session on a new connection to the same origin (no full handshake)", async () => {
    deliver = createNodeDeliver({ ca: cert });
    expect(text((await deliver.raw!(post("/bye"))).body)).toBe("bye"); // the server closes this connection
    expect(text((await deliver.raw!(post("/tasks/t"))).body)).toBe("got 7 on request 1");
    expect(sockets).toHaveLength(2);
    expect(seen.map((s) => s.resumed)).toEqual([false, true]);
  });

  it("sends a delivery again, once, on a fresh connection when the destination drops it on a reused one", async () => {
    deliver = createNodeDeliver({ ca: cert });
    expect(text((await deliver.raw!(post("/drop-reused"))).body)).toBe("got 7 on request 1");
    // The reused connection is dropped before any answer: the same delivery goes out once more, on a new connection.
    const res = await deliver.raw!(post("/drop-reused"));
    expect([res.status, text(res.body)]).toEqual([202, "got 7 on request 1"]);
    expect(seen.map((s) => [s.path, s.nth])).toEqual([["/drop-reused", 1], ["/drop-reused", 2], ["/drop-reused", 1]]);
    expect(sockets).toHaveLength(2);
  });

  it("does not send again when a fresh connection is dropped: the attempt fails and the broker's retry takes over", async () => {
    deliver = createNodeDeliver({ ca: cert });
    const err = await deliver.raw!(post("/drop")).catch((e: unknown) => e);
    expect((err as NodeJS.ErrnoException).code).toBe("ECONNRESET");
    expect(seen).toHaveLength(1);
  });

  it("rejects with a TimeoutError after timeoutMs without an answer, and with an AbortError on attempt.cancel; then delivers again", async () => {
    deliver = createNodeDeliver({ ca: cert });
    const timedOut = await deliver.raw!(post("/hold", { timeoutMs: 50 })).catch((e: unknown) => e);
    expect((timedOut as Error).name).toBe("TimeoutError");

    const attempt: AttemptHandle = {};
    const pending = deliver.raw!(post("/hold", { timeoutMs: 60_000, attempt })).catch((e: unknown) => e);
    await waitFor(() => held.length === 2, { what: "the second held request to arrive" });
    expect(attempt.cancel).toBeTypeOf("function");
    attempt.cancel!();
    expect((await pending as Error).name).toBe("AbortError");
    expect(seen).toHaveLength(2); // neither was sent again

    const done: AttemptHandle = {};
    expect(text((await deliver.raw!(post("/tasks/t", { attempt: done }))).body)).toMatch(/^got 7/);
    expect(done.cancel).toBeUndefined(); // a finished delivery leaves no handle on a pooled connection
  });
});
