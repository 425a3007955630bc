/** `math_add`: the smallest task, for the README's curl example and the benchmark. */
import { z } from "zod";
import { task } from "../../src/index.ts";

export const add = task({
  name: "math_add",
  description: "Add two numbers.",
  input: z.object({ a: z.number(), b: z.number() }),
}, ({ a, b }) => a + b);
