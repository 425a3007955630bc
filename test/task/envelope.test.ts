/**
 * The envelope check (`parseEnvelope`, by hand since zod/mini left the Workers bundle): a field of
 * the wrong type is refused naming the field, every field a client writes reads back, and fields
 * this version does not know are dropped.
 */
import { describe, expect, it } from "vitest";
import { EnvelopeError } from "../../src/errors.ts";
import { parseEnvelope } from "../../src/testing/index.ts";

const base = { v: 1, id: "e1", task: "t" };
const parse = (extra: Record<string, unknown>) => parseEnvelope(JSON.stringify({ ...base, ...extra }));

describe("the task envelope", () => {
  it("refuses a field of the wrong type, naming the field and what it expects", () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ id: "" }, /id: expected 1 to 200 characters/],
      [{ id: "x".repeat(201) }, /id: expected 1 to 200 characters/],
      [{ task: 5 }, /task: expected a string/],
      [{ retries: -1 }, /retries: expected a whole number ≥ 0/],
      [{ retries: 1.5 }, /retries: expected a whole number ≥ 0/],
      [{ eta: 5 }, /eta: expected a string/],
      [{ replaces: ["a", 1] }, /replaces: expected a string/],
      [{ chain: {} }, /chain: expected an array/],
      [{ ignoreResult: "yes" }, /ignoreResult: expected a boolean/],
      [{ schedule: { name: "s" } }, /schedule: missing name or tick/],
      [{ headers: { a: 1 } }, /headers: expected a string/],
      [{ headers: ["a"] }, /headers: expected an object/],
    ];
    for (const [extra, message] of cases) {
      expect(() => parse(extra), JSON.stringify(extra)).toThrow(EnvelopeError);
      expect(() => parse(extra), JSON.stringify(extra)).toThrow(message);
    }
    expect(() => parse({ task: 1, eta: 2 })).toThrow("Invalid task envelope: task: expected a string; eta: expected a string.");
  });

  it("reads back every field a client writes and drops the ones it does not know", () => {
    const full = {
      ...base, input: { n: 1 }, retries: 2, eta: "2026-01-01T00:00:00.000Z", expires: null, parentId: "p", rootId: "r", groupId: null,
      replaces: ["old"], chain: [], link: null, linkError: null, ignoreResult: false, queue: "q", shaped: true, argsrepr: null,
      idempotencyKey: "k", sentAt: "2026-01-01T00:00:00.000Z", schedule: { name: "s", tick: "2026-01-01T00:00:00.000Z" }, headers: { a: "b" },
    };
    expect(parse({ ...full, future: "field" })).toEqual(full);
    expect(parse({})).toEqual({ ...base, input: undefined, retries: 0, eta: null, expires: null, parentId: null, rootId: null, groupId: null, ignoreResult: null, argsrepr: null, idempotencyKey: null, sentAt: null });
  });
});
