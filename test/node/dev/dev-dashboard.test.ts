/**
 * `celeriac dev` serves the worker's dashboard (issue #20): while it listens on loopback only,
 * its pages read without the token (a task sent with curl shows up, with its progress and
 * result); actions still need the token; listening on every interface, every page needs it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/util/logger.ts";
import { type DevServer, startDevServer } from "../../../src/node/dev/dev-server.ts";
import { waitFor } from "../../support/wait.ts";

let dev: DevServer | undefined;
afterEach(async () => {
  await dev?.close();
  dev = undefined;
});

const send = async (url: string, token: string, name: string, input: unknown) => {
  const res = await fetch(`${url}/api/tasks/${name}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ input }) });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
};

describe("celeriac dev dashboard", () => {
  it("on loopback: / leads to the dashboard, which reads without the token; acting needs it", async () => {
    dev = await startDevServer({ port: 0, host: "127.0.0.1", apiToken: "dev-token", logger: silentLogger });
    const id = await send(dev.url, "dev-token", "main_prepare_a_massive_report", { dataId: 3, steps: 2 });
    const home = await fetch(`${dev.url}/`);
    expect(home.status).toBe(200);
    expect(home.url).toBe(`${dev.url}/dashboard/tasks`);
    await waitFor(async () => (await (await fetch(`${dev!.url}/dashboard/api/tasks/${id}`)).json() as { state: string }).state === "SUCCESS", { timeoutMs: 15_000, what: "the report" });
    const page = await (await fetch(`${dev.url}/dashboard/tasks/${id}`)).text();
    expect(page).toContain("&quot;rows&quot;");
    const revoke = await fetch(`${dev.url}/dashboard/tasks/${id}/revoke`, { method: "POST", headers: { origin: dev.url }, redirect: "manual" });
    expect(revoke.status).toBe(401);
  });

  it("on every interface: every page needs the token", async () => {
    dev = await startDevServer({ port: 0, host: "0.0.0.0", apiToken: "dev-token", logger: silentLogger });
    const local = dev.url.replace("0.0.0.0", "127.0.0.1");
    expect((await fetch(`${local}/dashboard/tasks`)).status).toBe(401);
    expect((await fetch(`${local}/dashboard/api/tasks`)).status).toBe(401);
    expect((await fetch(`${local}/dashboard/api/tasks`, { headers: { authorization: "Bearer dev-token" } })).status).toBe(200);
  });
});
