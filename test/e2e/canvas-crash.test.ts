/**
 * A chord of 1,000 acksLate header tasks whose worker process is SIGKILLed mid-header: every
 * fiftieth header task hangs on its first delivery, the process dies with 20 of them in flight, a
 * replacement takes the port, and the broker's redeliveries (after the dead holder's lease, 2 s)
 * run them again. The body runs exactly once, with 1,000 results in order. Real processes, real
 * Redis through the REST bridge, the local broker on its real clock.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalBroker } from "../../src/broker/local/index.ts";
import type { Client } from "../../src/index.ts";
import { chord, signature } from "../../src/canvas/index.ts";
import { requireRedis } from "../backend/redis-env.ts";
import { type CrashStack, startCrashStack } from "../support/crash-stack.ts";
import { spawnWorkerProcess, type WorkerProcess } from "../support/spawn-worker.ts";

const redisUp = await requireRedis();
const HEADER = 1000;

describe.runIf(redisUp)("a chord whose worker is killed mid-header (acksLate header tasks, real processes and Redis)", () => {
  let stack: CrashStack;
  let broker: LocalBroker;
  let client: Client;
  let env: Record<string, string>;
  let children: WorkerProcess[];

  beforeAll(async () => {
    stack = await startCrashStack({ name: "chord-crash", leaseSec: 2 });
    ({ broker, client, env, children } = stack);
  });

  afterAll(async () => {
    await stack?.close();
  });

  const lines = (name: string) => stack.runs(name);

  it(`the body runs once with ${HEADER} results in order after the worker died with header tasks in flight`, async () => {
    const [first, replacement] = await Promise.all([spawnWorkerProcess(env), spawnWorkerProcess(env)]);
    children.push(first, replacement);
    await first.listen();
    const result = await client.send(chord(Array.from({ length: HEADER }, (_, i) => signature("crash_square", i, { immutable: true })), signature("crash_collect")));
    // Every header task has started once, a fiftieth of them hang: kill the process under them.
    await expect.poll(() => new Set(lines("crash_square").map((l) => l.split(" ")[1])).size, { timeout: 120_000, interval: 200 }).toBe(HEADER);
    await first.kill();
    await replacement.listen();
    expect(await result.get({ timeoutMs: 120_000 })).toBe(HEADER);
    await broker.idle();
    expect(lines("crash_collect")).toEqual([`crash_collect ${HEADER} true`]);
    const reruns = lines("crash_square").filter((l) => l.endsWith(" 0") === false);
    expect(reruns.length).toBeGreaterThanOrEqual(HEADER / 50); // the hung ones ran again on the replacement
  }, 300_000);
});
