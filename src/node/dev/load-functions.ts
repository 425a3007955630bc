/**
 * Loading your functions module (`functions/index.ts`): its tasks and schedules, or one line that
 * says what is wrong with it (missing, exports no tasks, a syntax error at file:line, a package
 * that is not installed, an error thrown while it loads) and what to do.
 * @module
 */
import { existsSync, statSync } from "node:fs";
import { relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ConfigError } from "../../errors.ts";
import { importOptional } from "../import-optional.ts";
import type { Schedule } from "../../schedule/schedule.ts";
import { collectSchedules } from "../../schedule/collect.ts";
import { type Registry, toRegistry } from "../../task/registry.ts";
import type { Queue } from "../../task/queue.ts";
import { collectQueues } from "../../publish/queue-sync.ts";

/** Carries the reload generation into the module hooks of `functions-hooks.mjs` (which spells it too). */
export const RELOAD_PARAM = "celeriac-reload";

/** What a functions module exports. */
export interface LoadedFunctions {
  registry: Registry;
  schedules: Schedule[];
  /** The queues declared with `queue()` (exported, or named by tasks). */
  queues: Queue[];
}

/**
 * Imports the functions module at `path` and collects its tasks and schedules. Each new
 * `generation` (`celeriac dev` counts its reloads) evaluates your project's files afresh; it needs
 * the module hooks of `functions-hooks.mjs` (the CLI registers them). Throws a `ConfigError` with
 * a one-line message.
 */
export async function loadFunctions(path: string, options: { generation?: number } = {}): Promise<LoadedFunctions> {
  const mod = await importFunctions(path, options);
  const registry = toRegistry(mod);
  if (!registry.names().length) {
    throw new ConfigError(`${path} exports no tasks. Export the values returned by task(...) from it, e.g. export const add = task({ name: "math_add", input }, handler).`);
  }
  return { registry, schedules: collectSchedules(mod), queues: collectQueues(mod) };
}

/** Imports the functions module at `path` (see {@link loadFunctions}) and resolves its namespace. */
export async function importFunctions(path: string, options: { generation?: number } = {}): Promise<Record<string, unknown>> {
  const file = resolve(path);
  if (!existsSync(file)) {
    throw new ConfigError(`the functions file ${path} does not exist (looked for ${file}). Create it and export your tasks from it, or pass --functions <path>.`);
  }
  if (statSync(file).isDirectory()) throw new ConfigError(`${path} is a directory. Pass the module that exports your tasks, e.g. --functions ${join(path, "index.ts")}.`);
  await typeScriptLoader(path);
  const url = pathToFileURL(file);
  if (options.generation) url.searchParams.set(RELOAD_PARAM, String(options.generation));
  try {
    return (await import(url.href)) as Record<string, unknown>;
  } catch (error) {
    const fix = options.generation ? "Fix it and save; the previous version keeps serving." : "Fix it and run the command again.";
    throw new ConfigError(`${path} failed to load: ${describeLoadError(error)}. ${fix}`, { cause: error });
  }
}

let tsx: Promise<void> | undefined;

/**
 * Functions written in TypeScript need tsx when celeriac runs from its build (dist/); run from
 * its sources, celeriac comes with a loader already (tsx, or vitest's).
 */
async function typeScriptLoader(path: string): Promise<void> {
  if (!TYPESCRIPT.test(path) || import.meta.url.endsWith(".ts")) return;
  tsx ??= importOptional<typeof import("tsx/esm/api")>("tsx", `loading ${path} (TypeScript)`, () => import("tsx/esm/api")).then((api) => void api.register());
  await tsx;
}

const TYPESCRIPT = /\.[cm]?tsx?$/;

/** One line: what went wrong while importing, and where (file:line). */
export function describeLoadError(error: unknown): string {
  const e = (error ?? {}) as { name?: string; code?: string; message?: string; stack?: string };
  const message = String(e.message ?? error);
  if (e.code === "ERR_MODULE_NOT_FOUND") {
    const m = /Cannot find (package|module) '([^']+)' imported from (.+)$/m.exec(message);
    if (m) {
      const [, kind, what, from] = m;
      return kind === "package"
        ? `${shown(from!)} imports "${what}", which is not installed (npm install ${packageName(what!)})`
        : `${shown(from!)} imports ${shown(what!)}, which does not exist`;
    }
  }
  if (e.code === "ERR_UNKNOWN_FILE_EXTENSION" && /"\.[cm]?tsx?"/.test(message)) {
    return `${firstLine(message)}: TypeScript needs the "tsx" package (npm install tsx)`;
  }
  // esbuild (through tsx): "Transform failed with 1 error:\n/abs/file.ts:3:14: ERROR: Expected ..."
  const transform = /^(.+?):(\d+):(\d+): ERROR: (.+)$/m.exec(message);
  if (transform) return `${shown(transform[1]!)}:${transform[2]}:${transform[3]}: ${transform[4]!.replace(/\.$/, "")}`;
  const where = userFrame(e.stack ?? "");
  return `${e.name ?? "Error"}: ${firstLine(message)}${where ? ` (at ${where})` : ""}`;
}

/** The first stack location in your project (not node_modules, not celeriac, not Node), as file:line. */
function userFrame(stack: string): string | undefined {
  const celeriacSrc = fileURLToPath(new URL("../../", import.meta.url));
  for (const m of stack.matchAll(/(file:\/\/[^\s):]+|\/[^\s():]+):(\d+)(?::\d+)?/g)) {
    const file = m[1]!.startsWith("file:") ? fileURLToPath(m[1]!.split("?")[0]!) : m[1]!;
    if (file.includes(`${sep}node_modules${sep}`) || file.startsWith(celeriacSrc)) continue;
    return `${shown(file)}:${m[2]}`;
  }
  return undefined;
}

/** A path or file URL, relative to the working directory when inside it. */
function shown(pathOrUrl: string): string {
  const path = pathOrUrl.startsWith("file:") ? fileURLToPath(pathOrUrl.split("?")[0]!) : pathOrUrl.split("?")[0]!;
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") ? rel : path;
}

const firstLine = (text: string) => text.split("\n")[0]!.trim().replace(/\.$/, "");
const packageName = (specifier: string) => specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");
const join = (dir: string, file: string) => `${dir.replace(/\/+$/, "")}/${file}`;
