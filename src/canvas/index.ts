/**
 * celeriac/canvas: Celery's canvas. Describe calls as signatures (`task.s()`, `task.si()`, or
 * `signature(name, …)` by name), compose them with `chain`, `group` and `chord`, and send the
 * result with `client.send(canvas)` or `ctx.send(canvas)` inside a task. Everything is JSON on the
 * wire; the types check that each step's output fits the next step's input. How a chain advances
 * and how a chord joins: `ARCHITECTURE.md` beside this file.
 *
 * @example
 * import { chain, chord } from "celeriac/canvas";
 * await client.send(chain(fetchPage.s({ url }), parsePage.s(), storePageInfo.s({ url })));
 * await client.send(chord(regions.map((region) => regionSales.si({ region })), summarize.s()));
 * @module
 */
export { isCanvas, signature } from "./signature.ts";
export type { Canvas, Chain, Chord, ChordMember, FailedTask, Group, NeedsOf, OutOf, Signature, SignatureOptions } from "./signature.ts";
export { chain, chord, group } from "./compose.ts";
export type { ChainCheck } from "./compose.ts";
export type { ResultIds } from "./freeze.ts";
export { GroupResult } from "../result/group-result.ts";
export type { CanvasResult, MemberResult } from "../result/group-result.ts";
export { ChordError } from "../errors.ts";
