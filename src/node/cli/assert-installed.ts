/**
 * Checking that an optional package is installed without loading it: resolving is cheap, so the
 * commands check theirs before anything slow.
 * @module
 */
import { isMissingPackage, missingPackage } from "../import-optional.ts";

/**
 * Throws `missingPackage()`'s one-line error when `pkg` cannot be resolved from celeriac. Where
 * `import.meta.resolve` is missing (a bundler's runtime, such as vitest's) it checks nothing:
 * `importOptional()` still names the package when the import fails.
 */
export function assertInstalled(pkg: string, feature: string): void {
  if (typeof import.meta.resolve !== "function") return;
  try {
    import.meta.resolve(pkg);
  } catch (error) {
    if (isMissingPackage(error, pkg)) throw missingPackage(pkg, feature, error);
    throw error;
  }
}
