/**
 * Strict command-line parsing for the deploy commands (`celeriac queues`, `celeriac manifest`):
 * Node's `util.parseArgs`, anything wrong becomes a one-line `UsageError` (exit code 2). Apart
 * from `cli/command-line.ts` because `cli/` imports this folder.
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../../errors.ts";

/** A command as `cli.ts` runs it. */
export interface DeployCommand {
  usage: string;
  run(argv: string[]): Promise<number>;
}

/** `util.parseArgs` in strict mode; a parse error throws a `UsageError` with its message. */
export function parseDeployArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs({ ...config, strict: true } as T);
  } catch (error) {
    throw new UsageError(((error as Error).message ?? String(error)).split("\n")[0]!.replace(/\.$/, ""));
  }
}

/** The `--functions` value, refused when empty. */
export function functionsPath(value: string | undefined): string {
  if (!value) throw new UsageError("--functions needs a path (--functions functions/index.ts)");
  return value;
}
