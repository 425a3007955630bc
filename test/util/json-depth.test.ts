import { describe, expect, it } from "vitest";
import { nestsDeeperThan, textNestsDeeperThan } from "../../src/util/json-depth.ts";

const nested = (depth: number, inner = "1") => "[".repeat(depth) + inner + "]".repeat(depth);

describe("JSON nesting bound", () => {
  it("counts arrays and objects as levels, scalars as none", () => {
    expect(nestsDeeperThan(1, 0)).toBe(false);
    expect(nestsDeeperThan({ a: [{}] }, 2)).toBe(true);
    expect(nestsDeeperThan({ a: [{}] }, 3)).toBe(false);
  });

  it("gives the walk's answer with or without the text-length shortcut, at and around the bound", () => {
    const max = 20;
    for (let depth = 1; depth <= 2 * max; depth++) {
      for (const text of [nested(depth), nested(depth, ""), `{"a":${nested(depth - 1)}}`, ` ${nested(depth)}   `]) {
        const value = JSON.parse(text);
        expect(textNestsDeeperThan(text, value, max), `${text}`).toBe(nestsDeeperThan(value, max));
        expect(nestsDeeperThan(value, max)).toBe(depth > max);
      }
    }
  });

  it("measures 100,000 levels without overflowing the stack", () => {
    const text = nested(100_000);
    expect(textNestsDeeperThan(text, JSON.parse(text), 512)).toBe(true);
  });
});
