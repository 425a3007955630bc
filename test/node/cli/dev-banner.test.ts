/** The example input of the dev banner's curl satisfies the task's schema. */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { exampleValue } from "../../../src/node/cli/dev-banner.ts";

const example = (schema: z.ZodType) => exampleValue(z.toJSONSchema(schema, { io: "input" }));

describe("the dev banner's example input", () => {
  it("fills the required fields with values their schema accepts", () => {
    const schemas = [
      z.object({ a: z.number(), b: z.number() }),
      z.object({ to: z.email(), subject: z.string().min(1), content: z.string() }),
      z.object({ orderId: z.string(), amountCents: z.number().int().positive(), currency: z.string().length(3) }),
      z.object({ dataId: z.number().int(), steps: z.number().int().min(1).max(100).default(5) }),
      z.object({ when: z.iso.datetime(), kind: z.enum(["a", "b"]), tags: z.array(z.string()).min(2), retry: z.boolean(), note: z.string().nullable() }),
      z.object({ id: z.uuid(), url: z.url(), score: z.number().min(10).max(20), nested: z.object({ n: z.number().lt(1) }) }),
    ];
    for (const schema of schemas) expect(schema.safeParse(example(schema)), JSON.stringify(example(schema))).toMatchObject({ success: true });
  });

  it("reads like a call: numbers count up, optional fields are left out, examples win", () => {
    expect(example(z.object({ a: z.number(), b: z.number() }))).toEqual({ a: 1, b: 2 });
    expect(example(z.object({ dataId: z.number().int(), steps: z.number().default(5) }))).toEqual({ dataId: 1 });
    expect(example(z.object({ city: z.string().meta({ examples: ["Berlin"] }) }))).toEqual({ city: "Berlin" });
  });
});
