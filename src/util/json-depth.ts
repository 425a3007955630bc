/**
 * How deeply a parsed JSON value nests, measured without recursion (an explicit stack), so that
 * a hostile input nested 100,000 deep is measured, not a stack overflow. Inputs beyond
 * {@link MAX_JSON_DEPTH} are refused where they enter (the publish API, the envelope parser):
 * validating, storing and re-serializing them recurses, and past a few thousand levels that
 * overflows the stack ("Maximum call stack size exceeded").
 * @module
 */

/** The deepest nesting accepted in a task's input or an envelope (arrays and objects). */
export const MAX_JSON_DEPTH = 512;

/** True when `value` nests arrays/objects more than `max` levels deep. Stops at the first level past `max`. */
export function nestsDeeperThan(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/**
 * {@link nestsDeeperThan} for a value parsed from `text`, without the walk when `text` is too short
 * to nest that deep: each level takes an opening and a closing bracket, so JSON of at most `2 * max`
 * characters cannot nest more than `max` levels. Most task messages are that short.
 */
export function textNestsDeeperThan(text: string, value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  return text.length > 2 * max && nestsDeeperThan(value, max);
}
