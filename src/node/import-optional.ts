/**
 * Optional packages of the Node side (`redis`, `tsx`): imported only where a command needs one,
 * and a missing one becomes a one-line error naming the package to install.
 * @module
 */
import { ConfigError } from "../errors.ts";

/**
 * Imports what `feature` needs: by default the package `pkg` itself, or `load()` (a module of
 * celeriac's that imports `pkg`). When `pkg` is not installed, throws a `ConfigError` such as
 * `celeriac dev --redis needs the "redis" package: npm install redis.`
 *
 * @example
 * ```ts
 * const { startRedisRestBridge } = await importOptional("redis", "celeriac dev --redis", () => import("./redis-bridge/server.ts"));
 * ```
 */
export async function importOptional<T = Record<string, unknown>>(pkg: string, feature: string, load: () => Promise<T> = () => import(pkg) as Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isMissingPackage(error, pkg)) throw missingPackage(pkg, feature, error);
    throw error;
  }
}

/**
 * Throws {@link importOptional}'s `ConfigError` when `pkg` is not installed, without loading it
 * (resolving is cheap; the commands check their packages before anything slow).
 */
export function assertInstalled(pkg: string, feature: string): void {
  if (typeof import.meta.resolve !== "function") return; // a bundler's runtime (vitest): importOptional still tells
  try {
    import.meta.resolve(pkg);
  } catch (error) {
    if (isMissingPackage(error, pkg)) throw missingPackage(pkg, feature, error);
    throw error;
  }
}

const missingPackage = (pkg: string, feature: string, cause: unknown) => new ConfigError(`${feature} needs the "${pkg}" package: npm install ${pkg}.`, { cause });

/** True when `error` says that the package `pkg` (not a file inside it, nor another package) cannot be found. */
export function isMissingPackage(error: unknown, pkg: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return false;
  // ESM: "Cannot find package 'redis' imported from …"; CommonJS: "Cannot find module 'redis'".
  return new RegExp(`Cannot find (?:package|module) '${pkg.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}'`).test(String(message));
}
