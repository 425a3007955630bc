/**
 * The canvas's types (checked by `tsc --noEmit -p .`, which covers test/): a chain step whose
 * input does not take the previous step's output, and a chord body that does not take its
 * header's results, do not compile; `ctx.send` and `client.send` answer the canvas's result type.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { type AsyncResult, task } from "../../src/index.ts";
import { chain, chord, group, type GroupResult } from "../../src/canvas/index.ts";
import { createTestHarness } from "../../src/testing/index.ts";

const fetchPage = task({ name: "ty_fetch", input: z.object({ url: z.string() }) }, ({ url }) => ({ url, html: "<p/>" }));
const parsePage = task({ name: "ty_parse", input: z.object({ url: z.string(), html: z.string() }) }, ({ url }) => ({ url, title: "t" }));
const storePage = task({ name: "ty_store", input: z.object({ url: z.string(), title: z.string() }) }, ({ title }) => title.length);
const sum = task({ name: "ty_sum", input: z.array(z.number()) }, (xs) => xs.reduce((a, b) => a + b, 0));
const label = task({ name: "ty_label", input: z.string() }, (s) => s.toUpperCase());

describe("canvas types", () => {
  it("a chain of fitting steps types its result as the last step's output", async () => {
    const steps = chain(fetchPage.s({ url: "u" }), parsePage.s(), storePage.s({ url: "u" }));
    const h = createTestHarness({ tasks: [fetchPage, parsePage, storePage, sum, label] });
    const r = await h.client.send(steps);
    expectTypeOf(r).toEqualTypeOf<AsyncResult<number>>();
    const g = await h.client.send(group(storePage.si({ url: "a", title: "b" }), label.si("x")));
    expectTypeOf(g).toEqualTypeOf<GroupResult<[number, string]>>();
    await h.drain();
    expect(await r.get({ timeoutMs: 1000 })).toBe(1);
    expect(await g.get({ timeoutMs: 1000 })).toEqual([1, "X"]);
  });

  it("a misfit does not compile: a step whose input does not take the previous output, a chord body that does not take the header's results", () => {
    // @ts-expect-error storePage needs { url, title }; fetchPage gives { url, html }
    chain(fetchPage.s({ url: "u" }), storePage.s());
    // @ts-expect-error label takes a string, sum returns a number
    chain(sum.si([1]), label.s());
    // @ts-expect-error the body takes string[], the header gives [number, number]
    chord([sum.si([1]), sum.si([2])], label.s());
    const fits = chord([sum.si([1]), sum.si([2])], sum.s());
    expect(fits).toMatchObject({ kind: "chord", body: { task: "ty_sum" } }); // the misfits above are caught by tsc (an unused @ts-expect-error fails it)
  });
});
