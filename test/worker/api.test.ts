import { describe, expect, it } from "vitest";
import { z } from "zod";
import { task } from "../../src/index.ts";
import { createTestHarness } from "../../src/testing/index.ts";

const add = task({ name: "api_add", description: "Add.", input: z.object({ a: z.number(), b: z.number().meta({ examples: [2] }) }), rateLimit: "100/m" }, ({ a, b }) => a + b);
const TOKEN = "s3cret-token";
const h = () => createTestHarness({ tasks: [add], apiToken: TOKEN });
const auth = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };

describe("publish API", () => {
  it("POST /api/tasks/:name publishes and answers 202 with the id and the result URL", async () => {
    const t = h();
    const res = await t.worker.app.request("http://worker.test/api/tasks/api_add", { method: "POST", headers: auth, body: JSON.stringify({ input: { a: 1, b: 2 } }) });
    expect(res.status).toBe(202);
    const body = await res.json();
    expect(body).toMatchObject({ state: "PENDING", url: `http://worker.test/api/results/${body.id}` });
    const [message] = t.broker.messages;
    expect(message.url).toBe("http://worker.test/tasks/api_add");
    expect(message.flowControl).toEqual({ key: "api_add", rate: 100, periodSec: 60 });
    await t.drain();
    const result = await t.worker.app.request(body.url, { headers: auth });
    expect(await result.json()).toMatchObject({ id: body.id, state: "SUCCESS", result: 3 });
  });

  it("without a bearer token, or with a wrong one, the API answers 401 and publishes nothing", async () => {
    const t = h();
    for (const headers of [{} as Record<string, string>, { authorization: "Bearer wrong" }, { authorization: `Bearer ${TOKEN}x` }, { authorization: "Basic abc" }]) {
      const res = await t.worker.app.request("http://worker.test/api/tasks/api_add", { method: "POST", headers, body: "{}" });
      expect(res.status).toBe(401);
      expect((await res.json()).error).toMatch(/token/i);
    }
    const results = await t.worker.app.request("http://worker.test/api/results/x");
    expect(results.status).toBe(401);
    expect(t.broker.messages).toHaveLength(0);
  });

  it("input failing the schema is refused with 422 and the issues, and nothing is published", async () => {
    const t = h();
    const res = await t.worker.app.request("http://worker.test/api/tasks/api_add", { method: "POST", headers: auth, body: JSON.stringify({ input: { a: "x" } }) });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.issues.map((i: { path: string[] }) => i.path[0]).sort()).toEqual(["a", "b"]);
    expect(t.broker.messages).toHaveLength(0);
  });

  it("an unknown task gets 404 and malformed JSON gets 400", async () => {
    const t = h();
    const unknown = await t.worker.app.request("http://worker.test/api/tasks/nope", { method: "POST", headers: auth, body: "{}" });
    expect(unknown.status).toBe(404);
    const malformed = await t.worker.app.request("http://worker.test/api/tasks/api_add", { method: "POST", headers: auth, body: "{oops" });
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error).toMatch(/not valid JSON/);
  });

  it("GET /api/tasks lists names, options and the input JSON Schema", async () => {
    const res = await h().worker.app.request("http://worker.test/api/tasks", { headers: auth });
    const { tasks } = await res.json();
    expect(tasks[0]).toMatchObject({ name: "api_add", description: "Add.", options: { rateLimit: "100/m", maxRetries: 3 } });
    expect(tasks[0].input).toMatchObject({ type: "object", properties: { a: { type: "number" }, b: { type: "number", examples: [2] } }, required: ["a", "b"] });
  });

  it("GET /healthz answers ok without a token", async () => {
    const res = await h().worker.app.request("http://worker.test/healthz");
    expect(await res.json()).toEqual({ ok: true, backend: "memory", tasks: 1 });
  });

  it("the HTTP-mode client sends by name and reads the result through the API", async () => {
    const t = h();
    const fetchApp = ((input: RequestInfo | URL, init?: RequestInit) => t.worker.app.request(String(input), init)) as typeof fetch;
    const { createClient } = await import("../../src/index.ts");
    const client = createClient({ url: "http://worker.test", token: TOKEN, fetch: fetchApp, setAsCurrent: false });
    const result = await client.send("api_add", { a: 20, b: 22 });
    await t.drain();
    expect(await result.get({ timeoutMs: 1000 })).toBe(42);
  });
});
