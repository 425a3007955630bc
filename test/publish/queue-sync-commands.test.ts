/**
 * The queues declared in code reach the broker: `celeriac queues sync` (with `--dry-run`) against
 * a real local broker, and `celeriac dev` at start (its own broker), from the functions module.
 */
import { afterEach, describe, expect, it } from "vitest";
import { QStashBroker } from "../../src/qstash.ts";
import { runQueues } from "../../src/node/deploy/queues-command.ts";
import { type DevServer, startDevServer } from "../../src/node/dev/dev-server.ts";
import { silentLogger } from "../../src/util/logger.ts";
import { startStack, type Stack } from "../support/stack.ts";

const FUNCTIONS = "test/publish/fixtures/limited-functions.ts";
let stack: Stack | undefined;
let dev: DevServer | undefined;
afterEach(async () => {
  await stack?.close();
  await dev?.close();
  stack = dev = undefined;
});

describe("queue sync commands", () => {
  it("celeriac queues sync --dry-run changes nothing; sync creates the declared queue; a second sync is unchanged", async () => {
    stack = await startStack({ tasks: [] });
    const broker = new QStashBroker({ token: stack.broker.token, baseUrl: stack.brokerUrl });
    const run = async (...args: string[]) => {
      let out = "";
      expect(await runQueues([...args, "--functions", FUNCTIONS], { env: {}, out: (t) => (out += t), broker: () => broker })).toBe(0);
      return out;
    };
    expect(await run("sync", "--dry-run")).toBe("+ created   reports  (parallelism 3)\nwould have created 1, updated 0, unchanged 0\n");
    expect(await broker.listQueues()).toEqual([]);
    expect(await run("sync")).toBe("+ created   reports  (parallelism 3)\ncreated 1, updated 0, unchanged 0\n");
    expect((await broker.listQueues()).map((q) => [q.name, q.parallelism])).toEqual([["reports", 3]]);
    expect(await run("sync")).toMatch(/^= unchanged reports/);
    await expect(runQueues(["list"], { env: {}, out: () => {}, broker: () => broker })).rejects.toThrow(/unknown subcommand "list"/);
  });

  it("celeriac dev creates the declared queues in its broker when it starts", async () => {
    dev = await startDevServer({ port: 0, tasks: FUNCTIONS, logger: silentLogger });
    const broker = new QStashBroker({ token: dev.broker.token, baseUrl: dev.url });
    expect((await broker.listQueues()).map((q) => [q.name, q.parallelism])).toEqual([["reports", 3]]);
  });
});
