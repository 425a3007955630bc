/**
 * Optional packages of the Node side (`redis`, `tsx`): imported only where a command needs one,
 * and a missing one becomes a one-line error naming the package to install.
 * @module
 */
import { ConfigError } from "../errors.ts";

/**
 * Imports what `feature` needs with `load()`: the package `pkg` itself, or a module of celeriac's
 * that imports it (always a literal `import()`). When `pkg` is not installed, throws a `ConfigError` such as
 * `celeriac dev --redis needs the "redis" package: npm install redis.`
 *
 * @example
 * ```ts
 * const { startRedisRestBridge } = await importOptional("redis", "celeriac dev --redis", () => import("./redis-bridge/server.ts"));
 * ```
 */
export async function importOptional<T>(pkg: string, feature: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isMissingPackage(error, pkg)) throw missingPackage(pkg, feature, error);
    throw error;
  }
}

/** The error for a package that is not installed: `<feature> needs the "<pkg>" package: npm install <pkg>.` */
export function missingPackage(pkg: string, feature: string, cause?: unknown): ConfigError {
  return new ConfigError(`${feature} needs the "${pkg}" package: npm install ${pkg}.`, { cause });
}

/** True when `error` says that the package `pkg` (not a file inside it, nor another package) cannot be found. */
export function isMissingPackage(error: unknown, pkg: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return false;
  // ESM: "Cannot find package 'redis' imported from …"; CommonJS: "Cannot find module 'redis'".
  return new RegExp(`Cannot find (?:package|module) '${pkg.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}'`).test(String(message));
}
