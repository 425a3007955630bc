import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { task } from "../../src/index.ts";
import { requireRedis } from "../backend/redis-env.ts";
import { type Stack, startStack } from "../support/stack.ts";

class PaymentError extends Error {
  override name = "PaymentError";
}
const add = task({ name: "e2e_add", input: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }) => a + b);
const fail = task({ name: "e2e_fail", input: z.object({ reason: z.string() }) }, ({ reason }) => {
  throw new PaymentError(reason);
});

const redisUp = await requireRedis();

for (const backend of ["memory", "redis"] as const) {
  describe.runIf(backend === "memory" || redisUp)(`end to end through the local broker over HTTP (${backend} backend)`, () => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startStack({ tasks: [add, fail], backend });
    });
    afterAll(async () => await stack?.close());

    it("direct mode: a task sent by name is pushed with a signed request and get() returns its value", async () => {
      const result = await stack.client.send("e2e_add", { a: 20, b: 22 });
      expect(result.messageId).toMatch(/^msg_/);
      expect(await result.get({ timeoutMs: 10_000 })).toBe(42);
      expect(await result.state).toBe("SUCCESS");
    });

    it("HTTP mode: the publish API sends by name and get() reads the result through the API", async () => {
      const result = await stack.httpClient.send("e2e_add", { a: 1, b: 2 });
      expect(await result.get({ timeoutMs: 10_000 })).toBe(3);
    });

    it("a failing task's get() re-raises an error with the original type name and message, and the broker keeps the message in its DLQ", async () => {
      const result = await stack.client.send("e2e_fail", { reason: "card declined" });
      const error = await result.get({ timeoutMs: 10_000 }).catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(Error);
      expect([(error as Error).name, (error as Error).message]).toEqual(["PaymentError", "card declined"]);
      const dlq = await fetch(`${stack.brokerUrl}/v2/dlq`, { headers: { authorization: `Bearer ${stack.broker.token}` } }).then((r) => r.json());
      expect(dlq.messages.map((m: { messageId: string }) => m.messageId)).toContain(result.messageId);
    });

    it("HTTP mode re-raises a failure the same way", async () => {
      const result = await stack.httpClient.send("e2e_fail", { reason: "expired card" });
      const error = await result.get({ timeoutMs: 10_000 }).catch((e: unknown) => e as Error);
      expect([(error as Error).name, (error as Error).message]).toEqual(["PaymentError", "expired card"]);
    });
  });
}
