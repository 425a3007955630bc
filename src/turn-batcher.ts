/**
 * `turnBatcher`: gathers the items added during one event-loop turn and hands them on together,
 * so work started in the same turn (a `Promise.all` of publishes) can share one request.
 * @module
 */

/** Runs `fn` after the current turn: `setImmediate` where the runtime has it, else `setTimeout(fn, 0)`. */
const afterTurn: (fn: () => void) => unknown = globalThis.setImmediate ?? ((fn) => setTimeout(fn, 0));

/**
 * Answer an `add(item)` that collects items; after the turn in which the first one was added,
 * `flush` is called with them in order, in chunks of at most `max` (the last one may be smaller).
 * @example
 * const add = turnBatcher<string>(100, (chunk) => console.log(chunk));
 * add("a"); add("b"); // logs ["a", "b"] once, after this turn
 */
export function turnBatcher<T>(max: number, flush: (chunk: T[]) => void): (item: T) => void {
  let pending: T[] = [];
  return (item) => {
    if (pending.push(item) > 1) return;
    afterTurn(() => {
      const all = pending;
      pending = [];
      for (let i = 0; i < all.length; i += max) flush(all.slice(i, i + max));
    });
  };
}
