import { describe, expect, it } from "vitest";
import { MemoryBackend } from "../../src/backend/memory.ts";
import { SUCCESS } from "../../src/states.ts";
import { backendContract, meta } from "./contract.ts";

/** A fake clock the contract advances instead of waiting. */
function fakeClock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

backendContract("memory", () => {
  const clock = fakeClock();
  return {
    backend: new MemoryBackend({ clock: clock.now }),
    now: clock.now,
    async afterTtl(ms, check) {
      clock.advance(ms + 1);
      await check();
    },
  };
});

describe("MemoryBackend", () => {
  it("MemoryBackend keeps a key until exactly its TTL", async () => {
    const clock = fakeClock();
    const b = new MemoryBackend({ clock: clock.now });
    await b.storeMeta(meta("id", SUCCESS, 1), 1000);
    clock.advance(999);
    expect(await b.getMeta("id")).not.toBeNull();
    clock.advance(1);
    expect(await b.getMeta("id")).toBeNull();
  });

  it("MemoryBackend drops expired entries instead of growing forever", async () => {
    const clock = fakeClock();
    const b = new MemoryBackend({ clock: clock.now });
    for (let i = 0; i < 3000; i++) await b.setCached(`k${i}`, i, 10);
    expect(b.size()).toBe(3000);
    clock.advance(20);
    for (let i = 0; i < 1000; i++) await b.setCached(`fresh${i}`, i, 10);
    expect(b.size()).toBe(1000);
  });

  it("MemoryBackend refuses a default result TTL that is not > 0", () => {
    expect(() => new MemoryBackend({ resultExpiresMs: 0 })).toThrow(/TTL/);
  });
});
