import { describe, expect, expectTypeOf, it } from "vitest";
import { createClient } from "../../src/index.ts";
import { MemoryBackend, RecordingBroker } from "../../src/testing/index.ts";
import type * as functions from "../../functions/index.ts";

describe("send by name, typed from the tasks module's type", () => {
  it("checks task names and inputs at compile time without importing the handlers", async () => {
    const broker = new RecordingBroker();
    const client = createClient<typeof functions>({ broker, backend: new MemoryBackend(), workerUrl: "http://w.test", setAsCurrent: false });
    const result = await client.send("math_add", { a: 1, b: 2 });
    expectTypeOf(result.get).returns.resolves.toEqualTypeOf<number>();
    // @ts-expect-error — a typo in the task name is a compile error
    void client.send("math_ad", { a: 1, b: 2 }).catch(() => {});
    // @ts-expect-error — a wrong input type is a compile error
    void client.send("math_add", { a: "1", b: 2 }).catch(() => {});
    expect(JSON.parse(broker.messages[0].body)).toMatchObject({ task: "math_add", input: { a: 1, b: 2 } });
  });
});
