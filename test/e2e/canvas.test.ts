/**
 * The canvas on the real stack: the local broker over HTTP, the worker over HTTP, results and
 * chords in real Redis through the REST bridge (`@upstash/redis` unmodified). A chain passes
 * results along and stops at a failure; a chord of 1,000 header tasks runs its body exactly once
 * with the results in order, also when the broker delivers every header message twice; nested
 * canvases complete. (A worker killed mid-header: test/e2e/canvas-crash.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createClient, task } from "../../src/index.ts";
import { chain, chord, group } from "../../src/canvas/index.ts";
import type { Broker } from "../../src/index.ts";
import { QStashBroker } from "../../src/qstash.ts";
import { requireRedis } from "../backend/redis-env.ts";
import { type Stack, startStack } from "../support/stack.ts";

const redisUp = await requireRedis();
const HEADER = 1000;

let bodyRuns = 0;
const errbacks: unknown[] = [];
const ran: string[] = [];
const fetchPage = task({ name: "e2e_fetch_page", input: z.object({ url: z.string() }) }, ({ url }) => (ran.push("fetch"), { url, html: `<title>${url}</title>` }));
const parsePage = task({ name: "e2e_parse_page", input: z.object({ url: z.string(), html: z.string() }) }, ({ url, html }) => (ran.push("parse"), { url, title: /<title>(.*)<\/title>/.exec(html)![1]! }));
const storePage = task({ name: "e2e_store_page", input: z.object({ url: z.string(), title: z.string() }) }, ({ url, title }) => (ran.push("store"), `${url}: ${title}`));
const failParse = task({ name: "e2e_fail_parse", input: z.object({ url: z.string(), html: z.string() }), maxRetries: 0 }, () => {
  ran.push("fail");
  throw new SyntaxError("unparseable page");
});
const onError = task({ name: "e2e_on_error", input: z.object({ id: z.string(), task: z.string(), error: z.object({ type: z.string(), message: z.string() }) }) }, (failed) => {
  errbacks.push(failed);
  return failed.id;
});
const square = task({ name: "e2e_square", input: z.number() }, (n) => n * n);
const collect = task({ name: "e2e_collect", input: z.array(z.number()) }, (xs) => {
  bodyRuns++;
  return { count: xs.length, inOrder: xs.every((x, i) => x === i * i), sum: xs.reduce((s, x) => s + x, 0) };
});
const sum = task({ name: "e2e_sum", input: z.array(z.number()) }, (xs) => xs.reduce((s, x) => s + x, 0));
const tasks = [fetchPage, parsePage, storePage, failParse, onError, square, collect, sum];

/** A broker that publishes every message twice (two broker messages, same body): every delivery duplicated. */
function duplicating(inner: Broker): Broker {
  return {
    publish: async (request) => {
      const [first] = await Promise.all([inner.publish(request), inner.publish(request)]);
      return first;
    },
    cancel: (id) => inner.cancel(id),
  };
}

describe.runIf(redisUp)("canvas on the real stack (local broker, worker, Redis through the bridge)", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ tasks, backend: "redis" });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("a three-step chain passes each result to the next step", async () => {
    ran.length = 0;
    const url = "https://example.test/a";
    const r = await stack.client.send(chain(fetchPage.s({ url }), parsePage.s(), storePage.s()));
    expect(await r.get({ timeoutMs: 20_000 })).toBe("https://example.test/a: https://example.test/a");
    expect(ran).toEqual(["fetch", "parse", "store"]);
  });

  it("a failing middle step stores FAILURE, sends linkError, and the later step never runs", async () => {
    ran.length = 0;
    errbacks.length = 0;
    const steps = chain(fetchPage.s({ url: "https://example.test/b" }), failParse.s(), storePage.s());
    const last = await stack.client.send(steps, { linkError: onError.s() });
    await expect.poll(() => errbacks.length, { timeout: 20_000 }).toBe(1);
    const failed = errbacks[0] as { id: string; task: string; error: { type: string; message: string } };
    expect(failed).toMatchObject({ task: "e2e_fail_parse", error: { type: "SyntaxError", message: "unparseable page" } });
    expect(await stack.client.result(failed.id).state).toBe("FAILURE");
    await stack.broker.idle();
    expect(ran).toEqual(["fetch", "fail"]);
    expect(await last.state).toBe("PENDING");
  });

  it(`a chord of ${HEADER} header tasks runs its body once with ${HEADER} results in order`, async () => {
    bodyRuns = 0;
    const r = await stack.client.send(chord(Array.from({ length: HEADER }, (_, i) => square.si(i)), collect.s()));
    expect(await r.get({ timeoutMs: 120_000 })).toEqual({ count: HEADER, inOrder: true, sum: 332_833_500 });
    await stack.broker.idle();
    expect(bodyRuns).toBe(1);
  }, 180_000);

  it(`a chord of ${HEADER} whose every header delivery is duplicated still runs its body once`, async () => {
    bodyRuns = 0;
    const doubled = createClient({
      broker: duplicating(new QStashBroker({ token: stack.broker.token, baseUrl: stack.brokerUrl })),
      backend: stack.backend, workerUrl: stack.workerUrl, tasks, setAsCurrent: false,
    });
    const r = await doubled.send(chord(Array.from({ length: HEADER }, (_, i) => square.si(i)), collect.s()));
    expect(await r.get({ timeoutMs: 120_000 })).toEqual({ count: HEADER, inOrder: true, sum: 332_833_500 });
    await stack.broker.idle();
    expect(bodyRuns).toBe(1);
  }, 180_000);

  it("a group in a chain, a chord in a chain and a chain in a group complete", async () => {
    const groupInChain = await stack.client.send(chain(square.si(2), group(square.s(), square.s()), sum.s()));
    const chordInChain = await stack.client.send(chain(square.si(3), chord([square.s(), square.s()], sum.s()), square.s()));
    const chainInGroup = await stack.client.send(group(chain(square.si(2), square.s()), square.si(5)));
    expect(await groupInChain.get({ timeoutMs: 20_000 })).toBe(32);
    expect(await chordInChain.get({ timeoutMs: 20_000 })).toBe(162 * 162);
    expect(await chainInGroup.get({ timeoutMs: 20_000 })).toEqual([16, 25]);
    const restored = await stack.httpClient.groupResult(chainInGroup.id);
    expect(await restored!.get({ timeoutMs: 20_000 })).toEqual([16, 25]);
  });

  it("the HTTP API sends a canvas and answers its ids; a canvas naming an unknown task is refused with 400", async () => {
    const r = await stack.httpClient.send(chain(square.si(4), square.s()));
    expect(await r.get({ timeoutMs: 20_000 })).toBe(256);
    const res = await fetch(`${stack.workerUrl}/api/canvas`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.apiToken}`, "content-type": "application/json" },
      body: JSON.stringify({ canvas: { kind: "chain", steps: [{ task: "e2e_square", input: 2 }, { task: "e2e_nope" }] } }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain('"e2e_nope" is not registered');
  });
});
