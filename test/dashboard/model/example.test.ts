/**
 * The send form's prefilled input: an example built from each task's JSON Schema passes that
 * task's own validation (the issue: `{}` for `main_prepare_a_massive_report` answered 422).
 */
import { describe, expect, it } from "vitest";
import * as functions from "../../../functions/index.ts";
import { exampleOf } from "../../../src/dashboard/model/example.ts";
import { toRegistry } from "../../../src/task/registry.ts";
import { describeTask } from "../../../src/worker/api.ts";

describe("exampleOf", () => {
  it("gives every example function an input its schema accepts", async () => {
    for (const task of toRegistry(functions)) {
      const example = exampleOf(describeTask(task).input);
      const checked = await task.input["~standard"].validate(example);
      expect([task.name, checked.issues ?? []]).toEqual([task.name, []]);
    }
    expect(exampleOf(describeTask(functions.prepareReport).input)).toEqual({ dataId: 0, steps: 5 });
  });

  it("prefers examples, defaults and consts, fills required properties, and respects bounds, formats and refs", () => {
    expect(exampleOf({ type: "string", examples: ["srv-42"] })).toBe("srv-42");
    expect(exampleOf({ type: "integer", minimum: 3, maximum: 9 })).toBe(3);
    expect(exampleOf({ type: "number", exclusiveMinimum: 0 })).toBe(0.5);
    expect(exampleOf({ type: "integer", maximum: -2 })).toBe(-2);
    expect(exampleOf({ type: "string", format: "email" })).toBe("user@example.com");
    expect(exampleOf({ type: "string", minLength: 3 })).toBe("xxx");
    expect(exampleOf({ type: "array", minItems: 2, items: { type: "boolean" } })).toEqual([false, false]);
    expect(exampleOf({ type: "array", prefixItems: [{ type: "string" }, { type: "number" }] })).toEqual(["", 0]);
    expect(exampleOf({ anyOf: [{ type: "null" }, { enum: ["a", "b"] }] })).toBe("a");
    expect(exampleOf({
      type: "object", required: ["user"], properties: { user: { $ref: "#/$defs/user" }, note: { type: "string" } },
      $defs: { user: { type: "object", required: ["name"], properties: { name: { const: "ada" } } } },
    })).toEqual({ user: { name: "ada" } });
    expect(exampleOf(null)).toEqual({});
  });
});
