/**
 * `turnBatcher`: gathers the items added during one event-loop turn and hands them on together,
 * so work started in the same turn (a `Promise.all` of publishes) can share one request.
 *
 * With `maxInFlight`, it also holds items back while that many chunks are still being sent, and
 * sends what gathered meanwhile as soon as one finishes (Nagle's idea, for requests): an idle
 * sender sends at once, a busy one sends fewer, larger requests instead of queueing many small
 * ones behind each other.
 * @module
 */

/** Runs `fn` after the current turn: `setImmediate` where the runtime has it, else `setTimeout(fn, 0)`. */
const afterTurn: (fn: () => void) => unknown = globalThis.setImmediate ?? ((fn) => setTimeout(fn, 0));

/** Options of {@link turnBatcher}. */
export interface TurnBatcherOptions {
  /** Chunks being sent at once (a chunk counts until the promise `flush` returned settles); more items wait for one to finish. Default: no limit. */
  maxInFlight?: number | undefined;
  /**
   * With `maxInFlight`: a chunk still being sent after this many ms stops holding its place, so
   * one request that hangs (a connection that died silently) cannot stall every later item.
   * Default: it holds its place until it settles.
   */
  releaseAfterMs?: number | undefined;
}

/**
 * Answer an `add(item)` that collects items; after the turn in which the first one was added,
 * `flush` is called with them in order, in chunks of at most `max` (the last one may be smaller).
 * @example
 * const add = turnBatcher<string>(100, (chunk) => console.log(chunk));
 * add("a"); add("b"); // logs ["a", "b"] once, after this turn
 */
export function turnBatcher<T>(max: number, flush: (chunk: T[]) => unknown, options: TurnBatcherOptions = {}): (item: T) => void {
  const limit = options.maxInFlight ?? Infinity;
  const releaseAfter = options.releaseAfterMs;
  let pending: T[] = [];
  let scheduled = false;
  let inFlight = 0;
  /** One chunk's place: given back once, when its send settles or when it has taken too long. */
  const place = () => {
    let held = true;
    const giveBack = () => {
      if (!held) return;
      held = false;
      if (timer !== undefined) clearTimeout(timer);
      inFlight--;
      schedule();
    };
    const timer = releaseAfter === undefined ? undefined : setTimeout(giveBack, releaseAfter);
    return giveBack;
  };
  const drain = () => {
    scheduled = false;
    while (pending.length > 0 && inFlight < limit) {
      const chunk = pending.length <= max ? pending : pending.slice(0, max);
      pending = pending.length <= max ? [] : pending.slice(max);
      if (limit === Infinity) {
        flush(chunk);
        continue;
      }
      inFlight++;
      const giveBack = place();
      Promise.resolve(flush(chunk)).then(giveBack, giveBack);
    }
  };
  const schedule = () => {
    if (scheduled || pending.length === 0 || inFlight >= limit) return;
    scheduled = true;
    afterTurn(drain);
  };
  return (item) => {
    pending.push(item);
    schedule();
  };
}
