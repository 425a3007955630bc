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

/** Every task the benchmark's worker and client know. */
export const BENCH_TASKS = [add, addAcksLate, addTrackStarted];
