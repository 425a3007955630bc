/**
 * CPU per request of each Node HTTP client celeriac could use, side by side in one run, against a
 * keep-alive `node:http` and a keep-alive `node:https` server in a child process (so this
 * process's CPU, read with `process.cpuUsage()`, is the client's alone): a small JSON POST
 * answered with a small JSON body, as the requester's commands to the Redis REST bridge and the
 * broker's deliveries are. Each rep runs every client once, the order rotated each rep; per rep it
 * prints CPU µs per request and requests/s, then per client the median and each client's ratio to
 * celeriac's own client, rep by rep (CPU is what to read: requests/s moves with the load).
 *
 * The clients: celeriac's socket client (`createNodeDeliver().raw`, src/node/http/socket-client.ts);
 * `createNodeFetch`, the `fetch` celeriac builds on it (a WHATWG `Response` per request);
 * `node:http` / `node:https` `request()` on a keep-alive `Agent`, the body read in full (what the
 * https path was before the socket client spoke TLS); undici's `Dispatcher.dispatch` with a small
 * collecting handler (bench/lib/undici-client.ts, the `celeriac-undici` system's client); undici's
 * `request()`; undici's `fetch` (the code of Node's global `fetch`); Node's global `fetch` (http:
 * only: it cannot be told to trust the test certificate).
 *
 *   node --import tsx bench/http-clients.ts [--n 5000] [--reps 3] [--concurrency 32] [--warmup 3000]
 *     [--clients celeriac,node-fetch,node-http,undici-dispatch,undici-request,undici-fetch,fetch]
 * `--clients` picks and orders them; the first is the one the others are divided by.
 * @module
 */
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { fileURLToPath } from "node:url";
import { Agent, fetch as undiciFetch, request as undiciRequest } from "undici";
import { createNodeDeliver, createNodeFetch, type NodeDeliver } from "../src/adapters/node.ts";
import { parseArgs } from "./lib/args.ts";
import { startChild } from "./lib/child.ts";
import { runPool } from "./lib/pool.ts";
import { createUndiciClient } from "./lib/undici-client.ts";

const args = parseArgs(process.argv.slice(2));
const concurrency = args.concurrency ?? 32;
const ca = readFileSync(new URL("../test/node/http/fixtures/localhost-cert.pem", import.meta.url), "utf8");
const BODY = new TextEncoder().encode(JSON.stringify(["SET", "celeriac-bench:http-clients", "x".repeat(96)]));
const HEADERS = { "content-type": "application/json", authorization: "Bearer bench" };

/** One POST of {@link BODY} to `url`, the answer read in full; resolves with its status. */
type Post = (url: string) => Promise<number>;

interface ClientUnderTest {
  /** Its `--clients` key. */
  key: string;
  name: string;
  post: Post;
  /** Skipped for https: (cannot trust the test certificate). */
  httpOnly?: boolean;
  close(): void | Promise<void>;
}

function nodeHttp(): ClientUnderTest {
  const pool = { keepAlive: true, maxSockets: 256, maxFreeSockets: 256, scheduling: "lifo" as const };
  const agents = { "http:": new http.Agent(pool), "https:": new https.Agent({ ...pool, ca }) };
  const headers = { ...HEADERS, "content-length": String(BODY.byteLength) };
  return {
    key: "node-http",
    name: "node:http(s) request() on a keep-alive Agent",
    post: (url) =>
      new Promise((resolve, reject) => {
        const u = new URL(url);
        const req = (u.protocol === "https:" ? https : http).request(u, { method: "POST", headers, agent: agents[u.protocol as "http:" | "https:"] }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", reject);
          res.on("end", () => {
            Buffer.concat(chunks);
            resolve(res.statusCode ?? 0);
          });
        });
        req.on("error", reject);
        req.end(BODY);
      }),
    close: () => Object.values(agents).forEach((a) => a.destroy()),
  };
}

function rawClient(key: string, name: string, send: NonNullable<NodeDeliver["raw"]>, close: () => void): ClientUnderTest {
  return { key, name, post: async (url) => (await send({ url, method: "POST", headers: HEADERS, body: BODY, timeoutMs: Infinity })).status, close };
}

function undiciAgent(): Agent {
  return new Agent({ connections: 256, connect: { ca } });
}

const all: ClientUnderTest[] = [
  (() => {
    const deliver = createNodeDeliver({ ca });
    return rawClient("celeriac", "celeriac: socket client (createNodeDeliver().raw)", deliver.raw!, () => deliver.close());
  })(),
  (() => {
    const nodeFetch = createNodeFetch({ ca });
    return {
      key: "node-fetch",
      name: "celeriac: createNodeFetch (a fetch on the socket client)",
      post: async (url: string) => {
        const res = await nodeFetch(url, { method: "POST", headers: HEADERS, body: BODY });
        await res.arrayBuffer();
        return res.status;
      },
      close: () => nodeFetch.close(),
    };
  })(),
  nodeHttp(),
  (() => {
    const send = createUndiciClient({ ca });
    return rawClient("undici-dispatch", "undici Dispatcher.dispatch (bench/lib/undici-client.ts)", send, () => send.close());
  })(),
  (() => {
    const dispatcher = undiciAgent();
    return {
      key: "undici-request",
      name: "undici request()",
      post: async (url: string) => {
        const res = await undiciRequest(url, { method: "POST", headers: HEADERS, body: BODY, dispatcher });
        await res.body.arrayBuffer();
        return res.statusCode;
      },
      close: () => dispatcher.destroy(),
    };
  })(),
  (() => {
    const dispatcher = undiciAgent();
    return {
      key: "undici-fetch",
      name: "undici fetch()",
      post: async (url: string) => {
        const res = await undiciFetch(url, { method: "POST", headers: HEADERS, body: BODY, dispatcher });
        await res.arrayBuffer();
        return res.status;
      },
      close: () => dispatcher.destroy(),
    };
  })(),
  { key: "fetch", name: "Node's global fetch()", httpOnly: true, post: async (url) => {
    const res = await fetch(url, { method: "POST", headers: HEADERS, body: BODY });
    await res.arrayBuffer();
    return res.status;
  }, close: () => {} },
];

for (const key of args.clients ?? []) if (!all.some((c) => c.key === key)) throw new Error(`--clients: unknown client "${key}" (use ${all.map((c) => c.key).join(", ")}).`);
const clients = args.clients ? args.clients.map((key) => all.find((c) => c.key === key)!) : all;
for (const c of all) if (!clients.includes(c)) await c.close();

/** CPU µs per request in this process and requests/s, over `n` requests with `concurrency` in flight. */
async function measure(post: Post, url: string, n: number): Promise<{ cpuUs: number; perSec: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await runPool(n, concurrency, async () => {
    const status = await post(url);
    if (status !== 200) throw new Error(`the server answered ${status}`);
  });
  const used = process.cpuUsage(c0);
  return { cpuUs: (used.user + used.system) / n, perSec: n / ((performance.now() - t0) / 1000) };
}

const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const log = (m: string) => process.stderr.write(`[http-clients] ${m}\n`);

const server = startChild(fileURLToPath(new URL("./lib/echo-server-child.ts", import.meta.url)), {});
try {
  const urls = await server.call<{ http: string; https: string }>("urls");
  console.log(`Node ${process.version}, ${args.n} POSTs per client per rep, ${concurrency} in flight, ${args.reps} reps; the server in another process`);
  for (const scheme of ["http", "https"] as const) {
    const url = `${urls[scheme]}/`;
    const here = clients.filter((c) => scheme === "http" || !c.httpOnly);
    if (here.length === 0) continue;
    for (const c of here) await measure(c.post, url, Math.min(args.warmup, 3000)); // connections open, code hot
    const cpu = new Map<string, number[]>(here.map((c) => [c.name, []]));
    for (let rep = 0; rep < args.reps; rep++) {
      const order = here.map((_, i) => here[(i + rep) % here.length]);
      for (const c of order) {
        const m = await measure(c.post, url, args.n);
        cpu.get(c.name)!.push(m.cpuUs);
        log(`${scheme} rep ${rep + 1} ${c.name}: ${m.cpuUs.toFixed(1)} µs CPU per request, ${m.perSec.toFixed(0)} requests/s`);
      }
    }
    const base = cpu.get(here[0].name)!;
    console.log(`\n${scheme}: CPU µs per request in the client process, median (min–max); ratio to ${here[0].name}, rep by rep`);
    for (const c of here) {
      const us = cpu.get(c.name)!;
      const ratios = us.map((x, i) => x / base[i]);
      console.log(`  ${c.name.padEnd(58)} ${median(us).toFixed(1).padStart(6)} (${Math.min(...us).toFixed(1)}–${Math.max(...us).toFixed(1)})   × ${ratios.map((r) => r.toFixed(2)).join(" ")} (median ${median(ratios).toFixed(2)})`);
    }
  }
} finally {
  for (const c of clients) await c.close();
  await server.stop();
}
process.exit(0);
