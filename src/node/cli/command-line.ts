/**
 * The command line of every `celeriac` command: strict parsing with declared options (Node's
 * `util.parseArgs`), and checked values. Whatever is wrong becomes a `UsageError` with a one-line
 * message; the CLI adds the command's `--help` hint and exits with code 2.
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../../errors.ts";

/** A `celeriac` command. */
export interface CliCommand {
  /** The text `celeriac <command> --help` prints. */
  usage: string;
  /** Runs the command with the arguments after its name; resolves its exit code once it is done (a server: after Ctrl-C). */
  run(argv: string[]): Promise<number | void>;
}

/** `util.parseArgs` in strict mode; an unknown option, a missing value or a stray argument throws a `UsageError`. */
export function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs({ ...config, strict: true } as T);
  } catch (error) {
    throw usageError(error, Object.keys(config.options ?? {}));
  }
}

/** The one-line message for a parse error of `util.parseArgs`. */
function usageError(error: unknown, known: string[]): unknown {
  const { code, message = "" } = error as { code?: string; message?: string };
  const quoted = /'([^']+)'/.exec(message)?.[1] ?? "";
  const long = /--[\w-]+/.exec(quoted)?.[0] ?? quoted;
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION": {
      const near = closest(quoted.replace(/^-+/, "").split("=")[0]!, known);
      return new UsageError(`unknown option ${quoted}${near ? ` (did you mean --${near}?)` : ""}`);
    }
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return new UsageError(/does not take an argument/.test(message) ? `${long} takes no value` : `${long} needs a value (${long} <value>)`);
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return new UsageError(`unexpected argument "${quoted}"`);
    default:
      return error;
  }
}

/** The known name within edit distance 2 of `name`, if any. */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** A TCP port (0 picks a free one). `label` names where the text came from: `--port` or `PORT`. */
export function portValue(text: string, label = "--port"): number {
  const port = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`${label} must be a whole number from 0 to 65535 (0 picks a free port), not "${text}"`);
  return port;
}

/** A Redis URL: `redis://` or `rediss://` (TLS). */
export function redisUrlValue(text: string, label = "--redis"): string {
  let protocol: string | undefined;
  try {
    protocol = new URL(text).protocol;
  } catch {
    // not a URL
  }
  if (protocol !== "redis:" && protocol !== "rediss:") {
    throw new UsageError(`${label} must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379, not "${text}"`);
  }
  return text;
}

/** A size in bytes: a whole number, or with a unit (`512kb`, `5mb`; 1 KB = 1024 bytes). */
export function byteSizeValue(text: string, label: string): number {
  const m = /^(\d+)\s*(b|kb|mb)?$/i.exec(text.trim());
  const bytes = m ? Number(m[1]) * (m[2]?.toLowerCase() === "mb" ? 1024 * 1024 : m[2]?.toLowerCase() === "kb" ? 1024 : 1) : NaN;
  if (!(Number.isSafeInteger(bytes) && bytes >= 1)) throw new UsageError(`${label} must be a size such as 1048576, 512kb or 5mb, not "${text}"`);
  return bytes;
}

/** A value that must not be empty (a host, a token, a path). */
export function nonEmptyValue(text: string, label: string): string {
  if (!text.trim()) throw new UsageError(`${label} must not be empty`);
  return text;
}
