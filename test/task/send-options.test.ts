/**
 * Issue #20 item 6: bad send options are the caller's mistake. Over HTTP they get 400 naming the
 * option and the forms it accepts, and nothing is published; the client refuses them with
 * `SendOptionError` before any request. `expires` takes a Date, an ISO string or a duration.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createClient, task } from "../../src/index.ts";
import { SendOptionError } from "../../src/errors.ts";
import { createTestHarness } from "../../src/testing/index.ts";

const echo = task({ name: "opt_echo", input: z.object({ n: z.number() }) }, ({ n }) => n);
const TOKEN = "opt-token";
const auth = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
const harness = () => createTestHarness({ tasks: [echo], apiToken: TOKEN });
const post = (t: ReturnType<typeof harness>, options: unknown) =>
  t.worker.app.request("http://worker.test/api/tasks/opt_echo", { method: "POST", headers: auth, body: JSON.stringify({ input: { n: 1 }, options }) });

describe("send options over HTTP", () => {
  it.each([
    ["eta", "garbage"], ["eta", ""], ["eta", "2020-13-45"], ["eta", 1e20],
    ["expires", -5], ["expires", -1], ["expires", "garbage"], ["expires", 1e308],
    ["countdown", 1e20], ["countdown", -1], ["id", "\ud800"], ["id", 42], ["idempotencyKey", "\udfff"],
    ["queue", "no spaces"], ["ignoreResult", "yes"], ["countDown", 5],
  ])("%s: %j is answered 400 naming the option, and nothing is published", async (option, value) => {
    const t = harness();
    const res = await post(t, { [option]: value });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.option).toBe(option);
    expect(body.error).toContain(`\`${option}\``);
    expect(body.error).not.toMatch(/retried|Internal/);
    expect(t.broker.messages).toHaveLength(0);
  });

  it("the error names the accepted forms of expires", async () => {
    const body = await (await post(harness(), { expires: "garbage" })).json();
    expect(body.error).toMatch(/a Date, an ISO 8601 string.*duration/);
  });

  it("expires as an ISO string is an expiry time; as a duration, a time from now", async () => {
    const t = harness();
    const iso = await post(t, { expires: "2030-01-01T00:00:00Z" });
    expect(iso.status).toBe(202);
    expect((await iso.json()).runsUntil).toBe(Date.parse("2030-01-01T00:00:00Z"));
    const before = Date.now();
    const duration = await post(t, { expires: "10m" });
    expect(duration.status).toBe(202);
    expect((await duration.json()).runsUntil).toBeGreaterThanOrEqual(before + 600_000);
    const [first] = t.broker.take();
    expect(JSON.parse(first.body).expires).toBe("2030-01-01T00:00:00.000Z");
  });

  it("the HTTP client sends expires as a Date, and refuses a bad option with SendOptionError before any request", async () => {
    const t = harness();
    let requests = 0;
    const client = createClient({
      url: "http://worker.test", token: TOKEN, setAsCurrent: false,
      fetch: async (input, init) => (requests++, await t.worker.app.request(String(input), init)),
    });
    const at = new Date(Date.now() + 3_600_000);
    const r = await client.send("opt_echo", { n: 2 }, { expires: at });
    expect(JSON.parse(t.broker.messages[0].body)).toMatchObject({ id: r.id, expires: at.toISOString() });
    const sent = requests;
    const error = await client.send("opt_echo", { n: 2 }, { eta: "garbage" }).catch((e) => e);
    expect(error).toBeInstanceOf(SendOptionError);
    expect([error.name, error.option]).toEqual(["SendOptionError", "eta"]);
    expect(requests).toBe(sent);
  });

  it("the direct client refuses a bad option before reserving an idempotency key or publishing", async () => {
    const t = harness();
    const error = await t.client.send(echo, { n: 1 }, { idempotencyKey: "k1", expires: new Date(NaN) }).catch((e) => e);
    expect(error).toBeInstanceOf(SendOptionError);
    expect(error.option).toBe("expires");
    expect(t.broker.messages).toHaveLength(0);
    const ok = await t.client.send(echo, { n: 1 }, { idempotencyKey: "k1" });
    expect(ok.id).toBe(JSON.parse(t.broker.messages[0].body).id);
  });
});
