/**
 * `chain`, `group` and `chord`: canvas nodes built from signatures (or other nodes). The types
 * check that each chain step's output fits the next step's input, and that a chord's body takes
 * the array of its header's results.
 * @module
 */
import { ConfigError } from "../errors.ts";
import type { Canvas, Chain, Chord, Group, NeedsOf, OutOf } from "./signature.ts";

type Last<T extends readonly unknown[]> = T extends readonly [...unknown[], infer L] ? L : unknown;
type Outs<T extends readonly unknown[]> = { -readonly [K in keyof T]: OutOf<T[K]> };

/** `unknown` when every step's output fits the next step's input, else a type naming the first misfit. */
export type ChainCheck<T extends readonly unknown[], I extends unknown[] = []> = T extends readonly [infer A, infer B, ...infer R]
  ? [OutOf<A>] extends [NeedsOf<B>] ? ChainCheck<[B, ...R], [...I, 0]>
  : { "chain step does not fit": { step: I["length"]; output: OutOf<A>; nextStepNeeds: NeedsOf<B> } }
  : unknown;

/**
 * Steps run one after another; each step's result becomes the next step's input (unless the
 * step is immutable). A failure stops the chain.
 * @example
 * chain(fetchPage.s({ url }), parsePage.s(), storePageInfo.s({ url }))
 */
export function chain<const T extends readonly Canvas[]>(...steps: T & ChainCheck<T>): Chain<NeedsOf<T[0]>, OutOf<Last<T>>> {
  if (steps.length === 0) throw new ConfigError("chain() needs at least one step.");
  return { kind: "chain", steps: [...steps] };
}

/**
 * Calls run in parallel; each gets the previous step's result when in a chain. Its result is
 * the array of results in call order.
 * @example
 * group(add.s({ a: 1, b: 1 }), add.s({ a: 2, b: 2 }))
 */
export function group<const T extends readonly Canvas[]>(...tasks: T): Group<NeedsOf<T[0]>, Outs<T>> {
  return { kind: "group", tasks: [...tasks] };
}

/**
 * A group (the header) whose `body` runs once, after every header call has finished, with their
 * results in call order. A header failure fails the body with a `ChordError`.
 * @example
 * chord([regionSales.s({ region: "eu" }), regionSales.s({ region: "us" })], summarize.s())
 */
export function chord<const H extends readonly Canvas[], B extends Canvas>(
  header: H, body: B & ([Outs<H>] extends [NeedsOf<B>] ? unknown : { "chord body does not take its header's results": { results: Outs<H>; bodyNeeds: NeedsOf<B> } }),
): Chord<NeedsOf<H[0]>, OutOf<B>> {
  return { kind: "chord", header: [...header], body };
}
