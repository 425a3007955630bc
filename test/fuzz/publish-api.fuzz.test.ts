/**
 * Fuzzing the worker's publish API (`POST /api/tasks/:name` and `POST /api/canvas`), in-process
 * and over real HTTP: hostile bodies (inputs and send options of every type, deep nesting, huge
 * and truncated JSON) with good, wrong and missing tokens. Every answer is below 500; a refusal
 * says why; an accepted send (202) names the task id it published, and was published once.
 */
import fc from "fast-check";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { task } from "../../src/index.ts";
import { createTestHarness } from "../../src/testing/index.ts";
import { deepJsonText, expectAnswered, headerValue, hostileBody, hostileString, hostileValue, hostileValueText, HTTP_RUNS, NUM_RUNS } from "./hostile.ts";
import { servedForSuite } from "../support/stack.ts";

const anyInput = task({ name: "fz_any", input: z.unknown() }, () => "ok");
const add = task({ name: "fz_add", input: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }) => a + b);
const TOKEN = "fuzz-api-token";
const h = createTestHarness({ tasks: [anyInput, add], apiToken: TOKEN });

const OPTIONS = ["id", "countdown", "eta", "expires", "queue", "ignoreResult", "idempotencyKey", "argsrepr", "headers", "parentId", "rootId", "link", "linkError", "schedule", "retries", "priority"];
const options = fc.oneof(
  { weight: 3, arbitrary: fc.dictionary(fc.constantFrom(...OPTIONS), hostileValue, { maxKeys: 4 }) },
  { weight: 1, arbitrary: hostileValue },
);
const canvasNode: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ task: fc.oneof(fc.constantFrom("fz_any", "fz_add"), hostileString), input: hostileValue }, { requiredKeys: [] }),
    fc.record({ kind: fc.constant("chain"), steps: fc.array(tie("node"), { maxLength: 3 }) }),
    fc.record({ kind: fc.constant("group"), tasks: fc.oneof(fc.array(tie("node"), { maxLength: 3 }), hostileValue) }),
    fc.record({ kind: fc.constant("chord"), header: fc.array(tie("node"), { maxLength: 3 }), body: tie("node") }),
    hostileValue,
  ),
})).node;

const publishCase = fc.record({
  path: fc.oneof({ weight: 4, arbitrary: fc.constantFrom("/api/tasks/fz_any", "/api/tasks/fz_add", "/api/canvas") }, { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 20 }).map((n) => `/api/tasks/${encodeURIComponent(n)}`) }),
  auth: fc.oneof({ weight: 6, arbitrary: fc.constant(`Bearer ${TOKEN}`) }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: headerValue }, { weight: 1, arbitrary: headerValue.map((v) => `Bearer ${v}`) }),
  body: fc.oneof(
    { weight: 3, arbitrary: fc.tuple(hostileValueText, options).map(([input, o]) => `{"options":${JSON.stringify(o) ?? "null"},"input":${input}}`) },
    { weight: 2, arbitrary: fc.tuple(canvasNode, options).map(([canvas, o]) => JSON.stringify({ canvas, options: o }) ?? "{}") },
    { weight: 2, arbitrary: hostileBody },
  ),
  contentType: fc.oneof(fc.constant("application/json"), headerValue),
});
type PublishCase = typeof publishCase extends fc.Arbitrary<infer T> ? T : never;

async function publishOnce(request: (path: string, init: RequestInit) => Promise<Response> | Response, c: PublishCase): Promise<void> {
  const headers: Record<string, string> = { "content-type": c.contentType };
  if (c.auth !== undefined) headers.authorization = c.auth;
  const before = h.broker.messages.length;
  const res = await request(c.path, { method: "POST", headers, body: c.body });
  const what = `POST ${c.path} (${c.auth === `Bearer ${TOKEN}` ? "token" : "no/wrong token"}) ${c.body.slice(0, 200)}`;
  const { status, body } = await expectAnswered(res, what);
  if (c.auth !== `Bearer ${TOKEN}`) expect(status, what).toBe(401);
  if (status === 202 && c.path.startsWith("/api/tasks/")) {
    expect(typeof (body as { id?: unknown }).id, what).toBe("string");
    expect(h.broker.messages.length - before, what).toBeLessThanOrEqual(1); // one publish (none when deduplicated)
  }
  if (status >= 400) expect(h.broker.messages.length, `${what}: a refused send published nothing`).toBe(before);
  h.broker.take();
}

describe("the publish API under fuzzing", { timeout: 300_000 }, () => {
  it(`answers every hostile send below 500 with a message (${NUM_RUNS} cases, in-process)`, async () => {
    await fc.assert(fc.asyncProperty(publishCase, (c) => publishOnce((path, init) => h.worker.app.request(`${h.publicUrl}${path}`, init), c)), { numRuns: NUM_RUNS });
  });

  describe("over real HTTP", () => {
    const overSocket = servedForSuite(h.worker.fetch);

    it(`answers the same way through a socket (${HTTP_RUNS} cases)`, async () => {
      await fc.assert(fc.asyncProperty(publishCase, (c) => publishOnce(overSocket, c)), { numRuns: HTTP_RUNS });
    });
  });

  it("refuses an input nested 10,000 deep with 400 and a message, publishing nothing (regression: 500 Maximum call stack size exceeded)", async () => {
    for (const [path, body] of [
      ["/api/tasks/fz_any", `{"input":${deepJsonText(10_000, "array")}}`],
      ["/api/tasks/fz_any", `{"input":${deepJsonText(100_000, "object")}}`],
      ["/api/canvas", `{"canvas":{"task":"fz_any","input":${deepJsonText(10_000, "array")}}}`],
    ]) {
      const res = await h.worker.app.request(`${h.publicUrl}${path}`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` }, body });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: "The body nests more than 512 levels deep; nothing was sent. Send flatter data." });
    }
    expect(h.broker.take()).toEqual([]);
  });

  it("refuses options that are not an object, or a link that is not a canvas, with 400 (regression: /api/canvas answered 500 reading 'flatMap')", async () => {
    const post = async (path: string, body: unknown) => {
      const res = await h.worker.app.request(`${h.publicUrl}${path}`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as { error: string; option?: string } };
    };
    expect(await post("/api/canvas", { canvas: { task: "fz_any" }, options: "soon" })).toEqual({ status: 400, body: { error: '"options" must be an object such as {"countdown": 10, "queue": "default"}, not string; nothing was sent.' } });
    expect(await post("/api/tasks/fz_any", { input: 1, options: [1] })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^"options" must be an object .* not an array/) } });
    for (const link of [{}, { kind: "chain" }, [{ task: "fz_any" }, 5]]) {
      for (const path of ["/api/canvas", "/api/tasks/fz_any"]) {
        const res = await post(path, { canvas: { task: "fz_any" }, input: 1, options: { link } });
        expect(res).toMatchObject({ status: 400, body: { option: "link", error: expect.stringContaining("it accepts a signature or canvas") } });
      }
    }
    expect(h.broker.take()).toEqual([]);
  });
});
