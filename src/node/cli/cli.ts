/**
 * The `celeriac` command: `dev`, `broker`, `redis-bridge`, `schedules`, `queues`, `manifest`, and the commands that
 * operate a running worker (`call`, `result`, `revoke`, `inspect`, `dlq`, `purge`, `events`),
 * `--help` for each, and `--version`. Every failure is one line on stderr, `celeriac <command>: <what was wrong>. <what
 * to do>`, with exit code 2 for a bad command line and 1 otherwise; the stack only with
 * `CELERIAC_DEBUG=1`.
 * @module
 */
import { readFileSync } from "node:fs";
import { CeleriacError, hasName } from "../../errors.ts";
import { type CliCommand, closest } from "./command-line.ts";

const HELP = `celeriac — Celery's task model for the edge

Usage:
  celeriac dev [--port 8787] [--host 127.0.0.1] [--functions functions/index.ts] [--redis redis://127.0.0.1:6379]
      Run the dev server: local broker + worker for your functions + publish API + dashboard.
  celeriac broker [--port 8080] [--host 127.0.0.1] [--redis redis://…] [--token t]
                  [--current-signing-key sig_…] [--next-signing-key sig_…]
      Run the QStash-compatible local broker alone; prints QSTASH_* lines for .env.
  celeriac redis-bridge [--redis redis://127.0.0.1:6379] [--port 8079] [--token <t>]
      Serve the Upstash Redis REST protocol over a self-hosted Redis.
  celeriac schedules <sync|wrangler|list> [--functions functions/index.ts]
      Reconcile the schedules defined in code with QStash, or print wrangler cron triggers.
  celeriac queues sync [--dry-run] [--functions functions/index.ts]
      Create the queues declared in code on QStash and set their parallelism.
  celeriac manifest [--out celeriac.manifest.json] [--check] [--functions functions/index.ts]
      Write the task manifest a client loads to send by name with the tasks' options.

Operate a running worker (through its API: CELERIAC_URL and CELERIAC_API_TOKEN, or --url and --token):
  celeriac call NAME --input JSON [--countdown S] [--eta T] [--expires S] [--queue Q] [--idempotency-key K] [--wait]
      Send a task; with --wait, show its progress, then its result.
  celeriac result ID [--wait]           a task's state and result (or error)
  celeriac revoke ID                    revoke a task and cancel its pending message
  celeriac inspect registered|scheduled|queues
  celeriac dlq list|retry|delete        the broker's dead-letter queue
  celeriac purge [--queue Q] [--yes]    cancel the pending messages of the worker's tasks
  celeriac events [--follow]            the broker's log of the worker's messages

  celeriac <command> --help    the options of a command
  celeriac --version           the installed version

Set CELERIAC_DEBUG=1 to see the stack of an unexpected error.
`;

const COMMANDS: Record<string, () => Promise<CliCommand>> = {
  dev: async () => (await import("./dev-command.ts")).devCommand,
  broker: async () => (await import("./broker-command.ts")).brokerCommand,
  "redis-bridge": async () => (await import("./redis-bridge-command.ts")).redisBridgeCommand,
  schedules: async () => (await import("./schedules-command.ts")).schedulesCommand,
  queues: async () => (await import("../deploy/queues-command.ts")).queuesCommand,
  manifest: async () => (await import("../deploy/manifest-command.ts")).manifestCommand,
  call: async () => (await import("./call-command.ts")).callCommand,
  result: async () => (await import("./call-command.ts")).resultCommand,
  revoke: async () => (await import("./cancel-commands.ts")).revokeCommand,
  inspect: async () => (await import("./inspect-command.ts")).inspectCommand,
  dlq: async () => (await import("./dlq-command.ts")).dlqCommand,
  purge: async () => (await import("./cancel-commands.ts")).purgeCommand,
  events: async () => (await import("./events-command.ts")).eventsCommand,
};

/** Where the CLI writes; the process's streams by default. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Print stacks (`CELERIAC_DEBUG=1`). */
  debug: boolean;
}

const processIo = (): CliIo => ({
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  debug: !!process.env.CELERIAC_DEBUG && process.env.CELERIAC_DEBUG !== "0",
});

/** Runs the CLI with `argv` (without `node` and the script); resolves the exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h") return (io.out(HELP), 0);
  if (name === "--version" || name === "-v") return (io.out(`${version()}\n`), 0);
  const asked = name === "help" ? rest[0] : name;
  if (asked === undefined) return (io.out(HELP), 0);
  const crash = (error: unknown) => process.exit(report(asked, error, io));
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);
  try {
    const command = await find(asked, io);
    if (!command) return 2;
    if (name === "help" || wantsHelp(rest)) return (io.out(`${command.usage}\n`), 0);
    return (await command.run(rest)) ?? 0;
  } catch (error) {
    return report(asked, error, io);
  } finally {
    process.off("uncaughtException", crash);
    process.off("unhandledRejection", crash);
  }
}

async function find(name: string, io: CliIo): Promise<CliCommand | undefined> {
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (load) return await load();
  const near = closest(name.replace(/^-+/, ""), Object.keys(COMMANDS));
  const what = name.startsWith("-") ? `unknown option ${name}` : `unknown command "${name}"`;
  io.err(`${who()}: ${what}${near ? ` (did you mean ${near}?)` : ""}. Run "celeriac --help" for the commands: ${Object.keys(COMMANDS).join(", ")}.\n`);
  return undefined;
}

/** `--help` or `-h` before any `--`. */
function wantsHelp(argv: string[]): boolean {
  const end = argv.indexOf("--");
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === "--help" || a === "-h");
}

/** Prints `error` as one line (plus its stack when debugging) and returns the exit code. */
export function report(command: string, error: unknown, io: CliIo): number {
  const usage = hasName(error, "UsageError");
  const known = error instanceof CeleriacError || hasName(error, "ConfigError", "BackendError", "BrokerError", "WorkerApiError");
  const e = error as { name?: string; message?: string } | undefined;
  let line = sentence(oneLine(known ? String(e?.message) : `unexpected error: ${e?.name ?? "Error"}: ${e?.message ?? String(error)}`));
  if (usage) line += ` Run "celeriac ${command} --help" for the options.`;
  else if (!known && !io.debug) line += " Run with CELERIAC_DEBUG=1 for the stack.";
  // A message that already names the command ("celeriac dev --redis needs …") stands alone.
  io.err(`${line.startsWith(`${who(command)} `) ? line : `${who(command)}: ${line}`}\n`);
  if (io.debug) io.err(`${stackOf(error)}\n`);
  return usage ? 2 : 1;
}

function stackOf(error: unknown): string {
  const lines: string[] = [];
  for (let e = error as { stack?: string; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    lines.push(depth ? `Caused by: ${e.stack ?? String(e)}` : e.stack ?? String(e));
  }
  return lines.join("\n");
}

/** Who speaks at the start of an error line: `celeriac` or `celeriac <command>`. */
const who = (command?: string) => (command ? `celeriac ${command}` : "celeriac");
const oneLine = (text: string) => text.replace(/\s*\n\s*/g, " ").trim();
const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);

/** The version in celeriac's package.json. */
export function version(): string {
  return (JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }).version;
}
