/**
 * Fuzzing the envelope parser (`parseEnvelope`, what every delivery goes through): any text either
 * parses into an envelope or is refused with an `EnvelopeError` whose message says what is wrong;
 * never another error (a stack overflow, a TypeError); and what the client writes reads back.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EnvelopeError } from "../../src/errors.ts";
import { parseEnvelope, serializeEnvelope } from "../../src/testing/index.ts";
import { deepJsonText, envelopeLikeText, hostileBody, NUM_RUNS } from "./hostile.ts";

function parseOutcome(text: string): "parsed" | "refused" {
  try {
    const env = parseEnvelope(text);
    expect(env.v).toBe(1);
    expect(typeof env.id === "string" && typeof env.task === "string").toBe(true);
    return "parsed";
  } catch (error) {
    expect(error, `parseEnvelope threw a ${(error as Error)?.name}: ${(error as Error)?.message}`).toBeInstanceOf(EnvelopeError);
    expect((error as Error).message.length).toBeGreaterThan(10);
    return "refused";
  }
}

describe("envelope parser under fuzzing", () => {
  it(`any body text parses or is refused with an EnvelopeError (${NUM_RUNS} cases)`, () => {
    fc.assert(fc.property(fc.oneof(hostileBody, envelopeLikeText), (text) => void parseOutcome(text)), { numRuns: NUM_RUNS });
  });

  it(`envelope-shaped text with hostile fields parses or is refused, both outcomes seen (${NUM_RUNS} cases)`, () => {
    const seen = new Set<string>();
    fc.assert(fc.property(envelopeLikeText, (text) => void seen.add(parseOutcome(text))), { numRuns: NUM_RUNS });
    expect([...seen].sort()).toEqual(["parsed", "refused"]);
  });

  it("what a client serializes parses back to the same envelope", () => {
    const envelope = fc.record({ id: fc.uuid(), task: fc.string({ minLength: 1 }), input: fc.jsonValue({ maxDepth: 6 }), retries: fc.nat(50) });
    fc.assert(
      fc.property(envelope, ({ id, task, input, retries }) => {
        const env = { v: 1, id, task, input, retries, eta: null, expires: null, parentId: null, rootId: null, groupId: null, ignoreResult: null, argsrepr: null, idempotencyKey: null, sentAt: null } as const;
        expect(parseEnvelope(serializeEnvelope(env as never))).toEqual(JSON.parse(JSON.stringify(env)));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("refuses nesting past 512 levels with a message (regression: 5,000 deep overflowed the stack later)", () => {
    const at = (depth: number, kind: "array" | "object") => `{"v":1,"id":"deep","task":"fz_any","input":${deepJsonText(depth, kind)}}`;
    expect(parseEnvelope(at(510, "array")).id).toBe("deep");
    for (const kind of ["array", "object"] as const) {
      for (const depth of [513, 5_000, 100_000]) {
        expect(() => parseEnvelope(at(depth, kind))).toThrow(new EnvelopeError("Task envelope nests more than 512 levels deep (in its input or options); send flatter data."));
      }
    }
  });
});
