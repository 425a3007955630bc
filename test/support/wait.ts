/**
 * Waiting on an observable condition with a deadline (never a bare sleep). One implementation
 * for every test: `check` is polled until it returns something other than undefined, null or
 * false; a throw counts as "not yet" and its error is reported if the deadline passes.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  options: { timeoutMs?: number; what?: string; intervalMs?: number } = {},
): Promise<Exclude<T, undefined | null | false>> {
  const { timeoutMs = 10_000, what = "condition", intervalMs = 5 } = options;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value as Exclude<T, undefined | null | false>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last instanceof Error ? last.message : last}` : ""}`, { cause: last });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
