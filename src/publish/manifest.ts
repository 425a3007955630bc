/**
 * The task manifest: the options that shape a task's messages at the broker (queue, rate limit,
 * delivery timeout, default expiry, delivery retries), as plain JSON, so a client
 * that sends by name without importing the handlers publishes exactly what the task's own code
 * would. `celeriac manifest` writes it from the module that exports the tasks;
 * `createClient({ manifest })` reads it.
 * @module
 */
import { ConfigError } from "../errors.ts";
import { toRegistry, type Registry } from "../task/registry.ts";
import type { AnyTask } from "../task/task.ts";
import type { TaskShape } from "./publisher.ts";

/** The manifest format (version 1). */
export interface TaskManifest {
  v: 1;
  tasks: Record<string, ManifestEntry>;
}

/** One task's entry: its resolved options (durations in ms). */
export interface ManifestEntry {
  queue: string;
  deliveryRetries: number;
  expiresMs?: number;
  timeLimitMs?: number;
  rateLimit?: string | number;
  /** The task's rate limit is per key (`rateLimitKey`): a by-name client cannot compute it. */
  rateLimitKeyed?: true;
}

/** The manifest of `tasks` (a module namespace, an array or a registry). */
export function taskManifest(tasks: Registry | Iterable<AnyTask> | Record<string, unknown>): TaskManifest {
  const out: TaskManifest = { v: 1, tasks: {} };
  for (const t of toRegistry(tasks)) {
    const { queue, expiresMs, deliveryRetries, timeLimitMs, rateLimit } = t.options;
    out.tasks[t.name] = {
      queue, deliveryRetries,
      ...(expiresMs !== undefined ? { expiresMs } : {}),
      ...(timeLimitMs !== undefined ? { timeLimitMs } : {}),
      ...(rateLimit !== undefined ? { rateLimit } : {}),
      ...(t.rateLimitKey ? { rateLimitKeyed: true as const } : {}),
    };
  }
  return out;
}

/** A publisher lookup over a manifest; a name missing from it is refused (a typo, or a stale manifest). */
export function manifestLookup(manifest: TaskManifest): { find(name: string): TaskShape } {
  if (manifest?.v !== 1 || typeof manifest.tasks !== "object") {
    throw new ConfigError("The task manifest is not a celeriac manifest v1: regenerate it with `celeriac manifest --out <file>`.");
  }
  return {
    find(name) {
      const entry = manifest.tasks[name];
      if (!entry) {
        throw new ConfigError(`Task "${name}" is not in the task manifest (it has ${Object.keys(manifest.tasks).join(", ") || "no tasks"}): check the name, or regenerate the manifest with \`celeriac manifest\`.`);
      }
      if (entry.rateLimitKeyed) {
        throw new ConfigError(
          `Task "${name}" has a rate limit per key (rateLimitKey), which a manifest cannot carry: send it from a client created with its \`tasks\`, or through the worker's HTTP API.`,
        );
      }
      return { name, options: entry as TaskShape["options"], rateLimitKey: undefined };
    },
  };
}
