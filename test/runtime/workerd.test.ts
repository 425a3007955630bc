/**
 * workerd smoke test: `functions/worker.ts` under wrangler's local dev server (workerd, through
 * wrangler's `unstable_startWorker`, the API behind `wrangler dev`), configured by wrangler.toml
 * plus bindings for the production variables. No network: metrics and the `Request.cf` download
 * are turned off, and `.dev.vars` / `.env` are not read.
 *
 * The Worker runs the slim profile (the Workers default: fetch-only Redis and QStash clients, Web
 * Crypto verifier). Its Redis and QStash traffic goes through recording proxies, which show that
 * no official Upstash SDK made those calls (those send `Upstash-Telemetry-Sdk`).
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDirect } from "../backend/redis-env.ts";
import { freePort, ROOT, expectSmokeSucceeded, runSmoke, type Services, startServices, waitHealthy } from "./services.ts";

process.env.WRANGLER_SEND_METRICS = "false";
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
process.env.CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV = "false";

type DevWorker = { ready: Promise<void>; url: Promise<URL>; dispose(): Promise<void> };

/** Start functions/worker.ts (or `entrypoint`) in workerd on `port` with `vars` as plain-text bindings. */
async function startWorkerd(port: number, vars: Record<string, string>, entrypoint?: string): Promise<DevWorker> {
  const { unstable_startWorker } = await import("wrangler");
  const worker = (await unstable_startWorker({
    config: join(ROOT, "wrangler.toml"),
    ...(entrypoint ? { entrypoint: join(ROOT, entrypoint) } : {}),
    // A path that does not exist: wrangler then reads neither .dev.vars nor .env (a developer's own values must not leak in).
    envFiles: ["test/runtime/no-such.env"],
    bindings: Object.fromEntries(Object.entries(vars).map(([k, value]) => [k, { type: "plain_text", value }])),
    sendMetrics: false,
    dev: { server: { hostname: "127.0.0.1", port }, inspector: false, watch: false, persist: false, remote: false, logLevel: "error" },
  })) as unknown as DevWorker;
  await worker.ready;
  return worker;
}

interface RecordingProxy {
  url: string;
  requests: { method: string; path: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

/** An HTTP proxy on 127.0.0.1:0 to `target` that records each request's method, path and headers. */
async function recordingProxy(target: string): Promise<RecordingProxy> {
  const requests: RecordingProxy["requests"] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      requests.push({ method: req.method!, path: req.url!, headers: req.headers });
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !["host", "connection", "content-length"].includes(k)).map(([k, v]) => [k, String(v)]));
      try {
        const upstream = await fetch(`${target}${req.url}`, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
        const body = Buffer.from(await upstream.arrayBuffer());
        res.writeHead(upstream.status, Object.fromEntries([...upstream.headers].filter(([k]) => !["content-length", "content-encoding", "transfer-encoding", "connection"].includes(k))));
        res.end(body);
      } catch (err) {
        res.writeHead(502).end(String(err));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let services: Services | undefined;
let worker: DevWorker | undefined;
let env: Record<string, string>;
let selfUrl: string;
let redisProxy: RecordingProxy | undefined;
let qstashProxy: RecordingProxy | undefined;

beforeAll(async () => {
  services = await startServices("workerd");
  if (!services) return;
  const port = await freePort();
  selfUrl = `http://127.0.0.1:${port}`;
  env = services.env(selfUrl);
  redisProxy = await recordingProxy(env.UPSTASH_REDIS_REST_URL);
  qstashProxy = await recordingProxy(env.QSTASH_URL);
  worker = await startWorkerd(port, { ...env, UPSTASH_REDIS_REST_URL: redisProxy.url, QSTASH_URL: qstashProxy.url });
  await waitHealthy(selfUrl, 20_000);
});

afterAll(async () => {
  await worker?.dispose();
  await redisProxy?.close();
  await qstashProxy?.close();
  await services?.close();
});

describe("workerd runtime", () => {
  it("workers adapter runs math_add pushed by the local broker and stores SUCCESS in Redis", async (t) => {
    if (!services) return t.skip();
    const r = await runSmoke(services, selfUrl, env);
    expectSmokeSucceeded(r);

    // The slim clients made the Worker's calls: one command per POST / (no SDK auto-pipeline), and no SDK telemetry.
    const redisCalls = redisProxy!.requests;
    expect(redisCalls.length).toBeGreaterThanOrEqual(4);
    expect(redisCalls.every((c) => c.method === "POST" && c.path === "/" && c.headers["upstash-encoding"] === "base64")).toBe(true);
    expect(redisCalls.some((c) => "upstash-telemetry-sdk" in c.headers)).toBe(false);
    const publishes = qstashProxy!.requests.filter((c) => c.path.startsWith("/v2/publish/"));
    expect(publishes).toHaveLength(1);
    expect(publishes[0].path).toBe(`/v2/publish/${selfUrl}/tasks/math_add`);
    expect(publishes[0].headers).toMatchObject({ "upstash-method": "POST", "content-type": "application/json" });
    expect("upstash-telemetry-sdk" in publishes[0].headers).toBe(false);
  });

  it("a task on workerd sends children with ctx.send and delay(): each child's parent is the task, and get() inside it raises SyncSubtaskError", async (t) => {
    if (!services) return t.skip();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const subEnv = services.env(url);
    const sub = await startWorkerd(port, subEnv, "test/runtime/entries/workerd-subtasks.ts");
    try {
      await waitHealthy(url, 20_000);
      const client = services.client(url);
      const sent = await client.send<{ viaSend: string; viaDelay: string; getError: string | null }>("rt_parent", {});
      const out = await sent.get({ timeoutMs: 20_000 });
      expect(out.getError).toBe("SyncSubtaskError");
      for (const [id, doubled] of [[out.viaSend, 2], [out.viaDelay, 4]] as const) {
        expect(await client.result(id).get({ timeoutMs: 20_000 })).toBe(doubled);
        const direct = await connectDirect();
        const meta = JSON.parse((await direct.get(`${services.prefix}_celery-task-meta-${id}`))!) as { parent_id: string; root_id: string };
        await direct.close();
        expect(meta).toMatchObject({ parent_id: sent.id, root_id: sent.id });
      }
    } finally {
      await sub.dispose();
    }
  });

  it("workers adapter answers 500 naming every missing variable and the wrangler command to set it", async () => {
    const port = await freePort();
    const bare = await startWorkerd(port, { CELERIAC_URL: `http://127.0.0.1:${port}` });
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(res.status).toBe(500);
      const { error } = (await res.json()) as { error: string };
      expect(error).toContain("celeriac cannot start on Cloudflare Workers: 6 environment variables need attention");
      for (const name of ["UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN", "QSTASH_TOKEN", "QSTASH_CURRENT_SIGNING_KEY", "QSTASH_NEXT_SIGNING_KEY", "CELERIAC_API_TOKEN"]) {
        expect(error).toContain(`${name} is missing`);
        expect(error).toContain(`wrangler secret put ${name}`);
      }
    } finally {
      await bare.dispose();
    }
  });
});
