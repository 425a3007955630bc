/**
 * Eager mode lives in celeriac/testing (so production bundles do not carry it): without that
 * import, `task.apply()` and `createClient({ eager: true })` say so instead of failing obscurely.
 * This file must not import celeriac/testing.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createClient, task } from "../../src/index.ts";

describe("eager mode without celeriac/testing", () => {
  it("task.apply() and createClient({ eager: true }) throw a ConfigError naming celeriac/testing", async () => {
    const t = task({ name: "no_eager", input: z.object({}) }, () => 1);
    const applied = await t.apply({}).catch((e) => e);
    expect([applied.name, applied.message]).toEqual(["ConfigError", expect.stringContaining("celeriac/testing")]);
    expect(() => createClient({ eager: true, tasks: [t] })).toThrow(/celeriac\/testing/);
  });
});
