/**
 * The tasks the benchmark's worker serves: `math_add` from `functions/` (the measured task), and
 * the same addition under the task options whose Redis cost `redis-cost.ts` reports.
 * @module
 */
import { z } from "zod";
import { add } from "../../functions/tasks/math.ts";
import { task } from "../../src/index.ts";

const input = z.object({ a: z.number(), b: z.number() });

/** `math_add` with `acksLate: true` (the claim is a lease, released on redelivery). */
export const addAcksLate = task({ name: "bench_add_acks_late", input, acksLate: true }, ({ a, b }) => a + b);

/** `math_add` with `trackStarted: true` (STARTED written by the claim script). */
export const addTrackStarted = task({ name: "bench_add_track_started", input, trackStarted: true }, ({ a, b }) => a + b);

/** A chord header member of `bench/chord.ts`: the square of its index. */
export const benchSquare = task({ name: "bench_square", input: z.number() }, (i) => i * i);

/** The chord's callback: checks the results arrived in order, answers how many. */
export const benchCollect = task({ name: "bench_collect", input: z.array(z.number()) }, (xs) => {
  if (!xs.every((x, i) => x === i * i)) throw new Error("chord results out of order");
  return xs.length;
});

/** A chain step of `bench/chord.ts`: its input plus one. */
export const benchIncrement = task({ name: "bench_increment", input: z.number() }, (n) => n + 1);

/** Every task the benchmark's worker and client know. */
export const BENCH_TASKS = [add, addAcksLate, addTrackStarted, benchSquare, benchCollect, benchIncrement];
