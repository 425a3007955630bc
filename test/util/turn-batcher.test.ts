import { describe, expect, it, vi } from "vitest";
import { turnBatcher } from "../../src/util/turn-batcher.ts";

/** Resolves after the current turn's setImmediate callbacks have run. */
const nextTurn = () => new Promise<void>((r) => setImmediate(r));

describe("turnBatcher", () => {
  it("hands one turn's items on together, in chunks of at most max", async () => {
    const chunks: number[][] = [];
    const add = turnBatcher<number>(3, (chunk) => chunks.push(chunk));
    for (let i = 0; i < 7; i++) add(i);
    expect(chunks).toEqual([]);
    await nextTurn();
    expect(chunks).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    add(7);
    await nextTurn();
    expect(chunks.at(-1)).toEqual([7]);
  });

  it("with maxInFlight holds items back until a chunk being sent settles, then sends them together", async () => {
    const chunks: number[][] = [];
    const done: (() => void)[] = [];
    const add = turnBatcher<number>(100, (chunk) => {
      chunks.push(chunk);
      return new Promise<void>((r) => done.push(r));
    }, { maxInFlight: 1 });
    add(1);
    await nextTurn();
    expect(chunks).toEqual([[1]]);
    // The first chunk is still being sent: these wait, across turns.
    add(2);
    await nextTurn();
    add(3);
    await nextTurn();
    expect(chunks).toEqual([[1]]);
    done.shift()!();
    await nextTurn();
    await nextTurn();
    expect(chunks).toEqual([[1], [2, 3]]);
  });

  it("with maxInFlight, a chunk whose send fails still frees its slot", async () => {
    const chunks: number[][] = [];
    const fail: ((err: Error) => void)[] = [];
    const add = turnBatcher<number>(100, (chunk) => {
      chunks.push(chunk);
      return new Promise<void>((_, reject) => fail.push(reject));
    }, { maxInFlight: 1 });
    add(1);
    await nextTurn();
    add(2);
    fail.shift()!(new Error("network down"));
    await nextTurn();
    await nextTurn();
    expect(chunks).toEqual([[1], [2]]);
  });

  it("with releaseAfterMs, a chunk that never settles stops holding back the next ones", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const chunks: number[][] = [];
      const add = turnBatcher<number>(100, (chunk) => {
        chunks.push(chunk);
        return new Promise<void>(() => {}); // hangs forever
      }, { maxInFlight: 1, releaseAfterMs: 1000 });
      add(1);
      await nextTurn();
      add(2);
      await nextTurn();
      vi.advanceTimersByTime(999);
      await nextTurn();
      expect(chunks).toEqual([[1]]);
      vi.advanceTimersByTime(1);
      await nextTurn();
      expect(chunks).toEqual([[1], [2]]);
    } finally {
      vi.useRealTimers();
    }
  });
});
