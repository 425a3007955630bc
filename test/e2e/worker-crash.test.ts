/**
 * Kill the worker process in the middle of a task while the broker keeps running (issue 4):
 * with ack early the body ran once and the result is FAILURE WorkerLostError; with acksLate the
 * redelivery runs it to SUCCESS. The worker runs in a child process on real Redis (through the
 * REST bridge); the broker runs here with an injected clock, so its redelivery delays are
 * advanced, not waited for. The attempt's lease (`lease: 2`) runs in real time.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalBroker } from "../../src/broker/local/index.ts";
import type { Client } from "../../src/index.ts";
import { brokerEvents, dlqFor, officialClient } from "../support/broker-view.ts";
import { readyView } from "../support/clocked-stack.ts";
import { CRASH_TIME_LIMIT_SEC } from "../support/crash-tasks.ts";
import { requireRedis } from "../backend/redis-env.ts";
import { type CrashStack, startCrashStack } from "../support/crash-stack.ts";
import { spawnWorkerProcess, type WorkerProcess } from "../support/spawn-worker.ts";

/** The broker's default delay before its first redelivery: QStash's e^2.5 s. */
const BROKER_FIRST_BACKOFF_MS = Math.round(Math.exp(2.5) * 1000);

const redisUp = await requireRedis();

describe.runIf(redisUp)("a worker process killed in the middle of a task (real Redis, the broker keeps running)", () => {
  let stack: CrashStack;
  let broker: LocalBroker;
  let brokerServer: CrashStack["brokerServer"];
  let client: Client;
  let env: Record<string, string>;
  let workerUrl: string;
  let children: WorkerProcess[];

  beforeAll(async () => {
    const start = Date.now();
    stack = await startCrashStack({ name: "crash", leaseSec: CRASH_TIME_LIMIT_SEC, now: () => start });
    ({ broker, brokerServer, client, env, workerUrl, children } = stack);
    loadSpare();
    const [first] = await Promise.all([spawnWorkerProcess(env), spare]);
    children.push(first);
    serving = first;
    await first.listen();
  });

  afterAll(async () => {
    await spare?.catch(() => undefined); // never leave a loading child behind
    await stack?.close();
  });

  const starts = (name: string) => stack.runs(name);
  // One process serves the port; a spare is loaded ahead (loading takes seconds, the lease only 2 s).
  let serving: WorkerProcess | undefined;
  let spare: Promise<WorkerProcess> | undefined;
  let sparesWanted = 2; // one replacement per crash test
  const loadSpare = () => {
    if (sparesWanted-- <= 0) return (spare = undefined);
    spare = spawnWorkerProcess(env).then((child) => (children.push(child), child));
    spare.catch(() => {});
  };

  /** Send, wait for the body to start, SIGKILL the worker, bring up a replacement on the same port. */
  async function crashMidTask(name: string) {
    if (!serving) {
      serving = await spare!;
      loadSpare();
      await serving.listen();
    }
    const replacement = await spare!; // loaded before the task starts, so it can take the port while the lease is live
    const result = await client.send(name, {});
    await expect.poll(() => starts(name).length, { timeout: 10_000 }).toBe(1);
    await serving.kill();
    serving = undefined;
    await broker.idle(); // the delivery in flight fails: the broker schedules a retry
    const afterKill = (await brokerEvents(qstash(), `${workerUrl}/tasks/${name}`)).map((e) => e.state);
    expect(afterKill).toEqual(["CREATED", "ACTIVE", "ERROR", "RETRY"]);
    await replacement.listen();
    serving = replacement;
    loadSpare(); // for the next test, while this one waits out the lease
    // The redelivery finds the claim with its lease live: the worker waits for the holder until the lease ends, then 429.
    await broker.advance(BROKER_FIRST_BACKOFF_MS);
    // Retry-After was the lease left (none): the next delivery comes after the lease.
    await broker.advance(1_000);
    return result;
  }

  const qstash = () => officialClient(brokerServer.url, broker.token);
  const answers = async (name: string) =>
    (await brokerEvents(qstash(), `${workerUrl}/tasks/${name}`)).filter((e) => e.state !== "CREATED").map((e) => [e.state, e.responseStatus ?? null]);

  it("ack early: the body ran once; the redelivery gets 429 while the lease is live, then records FAILURE WorkerLostError (489, DLQ)", async () => {
    const result = await crashMidTask("crash_early");
    const view = await readyView(result);
    expect([view.state, view.error?.type]).toEqual(["FAILURE", "WorkerLostError"]);
    expect(starts("crash_early")).toEqual(["crash_early 0"]);
    expect(await answers("crash_early")).toEqual([
      ["ACTIVE", null], ["ERROR", null], ["RETRY", null],
      ["ACTIVE", null], ["ERROR", 429], ["RETRY", null],
      ["ACTIVE", null], ["ERROR", 489], ["FAILED", null],
    ]);
    expect((await dlqFor(qstash(), `${workerUrl}/tasks/crash_early`)).map((m) => m.messageId)).toEqual([result.messageId]);
  });

  it("acksLate: after the lease the redelivery takes the attempt over and runs it to SUCCESS (the body ran twice)", async () => {
    const result = await crashMidTask("crash_late");
    const view = await readyView(result);
    expect([view.state, view.result]).toEqual(["SUCCESS", "finished on redelivery"]);
    expect(starts("crash_late")).toEqual(["crash_late 0", "crash_late 2"]);
    expect(await answers("crash_late")).toEqual([
      ["ACTIVE", null], ["ERROR", null], ["RETRY", null],
      ["ACTIVE", null], ["ERROR", 429], ["RETRY", null],
      ["ACTIVE", null], ["DELIVERED", null],
    ]);
  });
});
