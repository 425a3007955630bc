/**
 * Fuzzing the worker's delivery route (`POST /tasks/:name`), in-process through the Hono app and
 * then over real HTTP: hostile envelopes (signed, so they reach the parser and the task; or with
 * forged, truncated or missing signatures) and hostile headers. Every answer is below 500 and a
 * refusal says why; a delivery that can never succeed is answered 489 non-retryable; no task body
 * runs twice for one task id, even when the same delivery comes again.
 */
import fc from "fast-check";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { task } from "../../src/index.ts";
import { createTestHarness, TEST_SIGNING_KEYS } from "../../src/testing/index.ts";
import { deepJsonText, envelopeLikeText, expectAnswered, headerValue, hostileBody, hostileString, hostileValueText, HTTP_RUNS, NUM_RUNS } from "./hostile.ts";
import { servedForSuite } from "../support/stack.ts";

const runs = new Map<string, number>();
const count = (id: string) => runs.set(id, (runs.get(id) ?? 0) + 1);
const anyInput = task({ name: "fz_any", input: z.unknown() }, (input, ctx) => (count(ctx.request.id), typeof input));
const add = task({ name: "fz_add", input: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }, ctx) => (count(ctx.request.id), a + b));
const h = createTestHarness({ tasks: [anyInput, add] });

type Signing = "valid" | "none" | "other-key" | "truncated" | "garbage" | "other-url";
const signing = fc.constantFrom<Signing>("valid", "valid", "valid", "none", "other-key", "truncated", "garbage", "other-url");
/** A well-formed envelope for `name` whose input (and a few fields) are hostile: these reach the task. */
const plausibleEnvelope = (name: string) =>
  fc
    .record({ id: fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 40 })), input: hostileValueText, retries: fc.oneof(fc.nat(5), fc.constant(undefined)), eta: fc.oneof(fc.constant(undefined), fc.constant(null), hostileString), expires: fc.oneof(fc.constant(undefined), fc.constant(null), hostileString) })
    .map(({ id, input, ...rest }) => `${JSON.stringify({ v: 1, id, task: name, ...rest }).slice(0, -1)},"input":${input}}`);

// "." and ".." are left out: URL normalization turns /tasks/. into /tasks/, which is not a delivery route.
const taskName = fc.string({ minLength: 1, maxLength: 30 }).filter((n) => n !== "." && n !== "..");
const deliveryCase = fc.oneof(fc.constantFrom("fz_any", "fz_add"), taskName).chain((name) => fc.record({
  name: fc.constant(name),
  body: fc.oneof({ weight: 2, arbitrary: plausibleEnvelope(name) }, { weight: 2, arbitrary: envelopeLikeText }, { weight: 1, arbitrary: hostileBody }),
  signing,
  headers: fc.dictionary(fc.constantFrom("Upstash-Retried", "Upstash-Message-Id", "Content-Type", "Upstash-Signature-Extra", "Content-Encoding"), headerValue, { maxKeys: 3 }),
  again: fc.boolean(),
}));

async function signatureFor(signing: Signing, url: string, body: string): Promise<string | null> {
  switch (signing) {
    case "valid":
      return await h.sign(url, body);
    case "none":
      return null;
    case "other-key":
      return await h.sign(url, body, "sig_notthekey00000000000000000");
    case "truncated": {
      const token = await h.sign(url, body);
      return token.slice(0, token.length - 1 - (body.length % 20));
    }
    case "garbage":
      return `${Buffer.from("{}").toString("base64url")}.${Buffer.from(body.slice(0, 30)).toString("base64url")}.x`;
    case "other-url":
      return await h.sign(`${url}/elsewhere`, body);
  }
}

/** Deliver one case through `request` (in-process or over HTTP); checks the answer. */
type DeliveryCase = typeof deliveryCase extends fc.Arbitrary<infer T> ? T : never;

async function deliverCase(request: (path: string, init: RequestInit) => Promise<Response> | Response, c: DeliveryCase) {
  const path = `/tasks/${encodeURIComponent(c.name)}`;
  const signature = await signatureFor(c.signing, `${h.publicUrl}${path}`, c.body);
  const headers: Record<string, string> = { "content-type": "application/json", ...c.headers };
  if (signature !== null) headers["upstash-signature"] = signature;
  for (let i = 0; i < (c.again ? 2 : 1); i++) {
    const t0 = performance.now();
    const res = await request(path, { method: "POST", headers, body: c.body });
    if (process.env.FUZZ_SLOW && performance.now() - t0 > 300) console.log(`SLOW ${(performance.now() - t0).toFixed(0)}ms #${i} ${res.status} ${JSON.stringify(c).slice(0, 400)}`);
    const what = `delivery #${i + 1} to ${path} (${c.signing}) of ${c.body.slice(0, 120)}`;
    const { status } = await expectAnswered(res, what);
    // Unsigned or forged: refused before anything runs (413 first when the body is over the size limit).
    if (c.signing !== "valid") expect([401, 413], what).toContain(status);
    if (status === 489) expect(res.headers.get("upstash-nonretryable-error"), what).toBe("true");
  }
}

const expectNoTaskRanTwice = () => expect([...runs].filter(([, n]) => n > 1)).toEqual([]);

describe("the worker's delivery route under fuzzing", { timeout: 300_000 }, () => {
  it(`answers every hostile delivery below 500 with a message, and runs no task twice (${NUM_RUNS} cases, in-process)`, async () => {
    await fc.assert(
      fc.asyncProperty(deliveryCase, (c) => deliverCase((path, init) => h.worker.app.request(`${h.publicUrl}${path}`, init), c)),
      { numRuns: Number(process.env.FUZZ_RUNS ?? NUM_RUNS) },
    );
    expectNoTaskRanTwice();
    expect(runs.size).toBeGreaterThan(0); // some hostile deliveries were valid tasks and ran (once)
  });

  describe("over real HTTP", () => {
    const overSocket = servedForSuite(h.worker.fetch);

    it(`answers the same way through a socket (${HTTP_RUNS} cases)`, async () => {
      // The worker signs and checks its public URL, not the socket's: map the path onto the socket.
      await fc.assert(fc.asyncProperty(deliveryCase, (c) => deliverCase(overSocket, c)), { numRuns: HTTP_RUNS });
      expectNoTaskRanTwice();
    });
  });

  it("a signed delivery nested 5,000–100,000 deep is answered 489 non-retryable and its body never runs (regression: it ran, then 503)", async () => {
    for (const depth of [5_000, 100_000]) {
      for (const kind of ["array", "object"] as const) {
        const id = `deep-${kind}-${depth}`;
        const body = `{"v":1,"id":"${id}","task":"fz_any","input":${deepJsonText(depth, kind)}}`;
        const res = await h.deliver({ url: `${h.publicUrl}/tasks/fz_any`, body });
        expect(res.status).toBe(489);
        expect(res.headers.get("upstash-nonretryable-error")).toBe("true");
        expect((await res.json()).error).toBe("Task envelope nests more than 512 levels deep (in its input or options); send flatter data.");
        expect(runs.get(id)).toBeUndefined();
      }
    }
  });

  it("a signed delivery that is not an envelope, or names another task, is answered 489: redelivering it cannot help", async () => {
    const notJson = await h.deliver({ url: `${h.publicUrl}/tasks/fz_any`, body: "{not json" });
    expect([notJson.status, notJson.headers.get("upstash-nonretryable-error")]).toEqual([489, "true"]);
    const wrongRoute = await h.deliver({ url: `${h.publicUrl}/tasks/fz_add`, body: JSON.stringify({ v: 1, id: "wrong-route", task: "fz_any", input: 1 }) });
    expect(wrongRoute.status).toBe(489);
    expect((await wrongRoute.json()).error).toMatch(/Envelope names task "fz_any" but was delivered to \/tasks\/fz_add/);
    // Not left PENDING for good: settled as the broker's failure callback would have, and never run.
    expect(await h.backend.getMeta("wrong-route")).toMatchObject({ status: "FAILURE", result: { exc_type: "DeliveryFailedError" } });
    expect(runs.get("wrong-route")).toBeUndefined();
    const forged = await h.deliver({ url: `${h.publicUrl}/tasks/fz_any`, body: "{not json" }, { signature: await h.sign(`${h.publicUrl}/tasks/fz_any`, "{not json", TEST_SIGNING_KEYS.next.replace("next", "nope")) });
    expect(forged.status).toBe(401);
  });
});
