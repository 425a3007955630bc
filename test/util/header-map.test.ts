import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { headerValue } from "../../src/util/header-map.ts";

/** What `Headers` stores for `value`, or "refused". */
function viaHeaders(value: string): string {
  try {
    return new Headers([["x-test", value]]).get("x-test")!;
  } catch {
    return "refused";
  }
}

function viaHeaderValue(value: string): string {
  try {
    return headerValue("x-test", value);
  } catch {
    return "refused";
  }
}

describe("headerValue", () => {
  it("stores or refuses every value as Headers does (2,000 generated values, edges and controls included)", () => {
    const char = fc.oneof(fc.constantFrom(" ", "\t", "\r", "\n", "\0", "\x7f", "\xff", "\u0100", "é", "a", "Z", "~", ","), fc.string({ minLength: 1, maxLength: 1 }));
    fc.assert(
      fc.property(fc.array(char, { maxLength: 8 }).map((cs) => cs.join("")), (value) => {
        expect(viaHeaderValue(value), JSON.stringify(value)).toBe(viaHeaders(value));
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses a bad header name, saying which", () => {
    expect(() => headerValue("bad name", "v")).toThrow('"bad name" is not a valid header name');
  });
});
