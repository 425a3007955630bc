/** Node smoke test: the example functions behind `serveNode`, fed by the local broker, results in real Redis. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveNode, type NodeWorkerServer } from "../../src/adapters/node.ts";
import { ConfigError } from "../../src/errors.ts";
import * as tasks from "../../functions/index.ts";
import { freePort, expectSmokeSucceeded, runSmoke, type Services, startServices } from "./services.ts";
import { dashboard } from "../../src/dashboard/index.ts";

let services: Services | undefined;
let server: NodeWorkerServer | undefined;
let env: Record<string, string>;
let selfUrl: string;

beforeAll(async () => {
  services = await startServices("node");
  if (!services) return;
  const port = await freePort();
  selfUrl = `http://127.0.0.1:${port}`;
  env = services.env(selfUrl);
  server = await serveNode({ tasks, dashboard: dashboard(), port, hostname: "127.0.0.1", env, logger: { debug() {}, info() {}, warn() {}, error: (m) => console.error(m) } });
});

afterAll(async () => {
  await server?.close();
  await services?.close();
});

describe("Node runtime", () => {
  it("node adapter runs math_add pushed by the local broker and stores SUCCESS in Redis", async (t) => {
    if (!services) return t.skip();
    expect(server!.url).toBe(selfUrl);
    const r = await runSmoke(services, selfUrl, env);
    expectSmokeSucceeded(r);
  });

  it("node adapter refuses to start without its variables, naming each and how to set it", async () => {
    const err = await serveNode({ tasks, port: 0, env: { QSTASH_TOKEN: "x" } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).toContain("celeriac cannot start on Node");
    for (const name of ["UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN", "QSTASH_CURRENT_SIGNING_KEY", "QSTASH_NEXT_SIGNING_KEY", "CELERIAC_URL", "CELERIAC_API_TOKEN"]) {
      expect(message).toContain(`${name} is missing`);
    }
    expect(message).not.toContain("QSTASH_TOKEN is missing");
    expect(message).toContain("node --env-file=.env");
  });
});
