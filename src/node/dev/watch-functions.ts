/**
 * Watching the functions' directory for `celeriac dev`: one call per burst of changes (editors
 * write a file in several steps), never two at once.
 * @module
 */
import { type FSWatcher, watch } from "node:fs";

/** Options of {@link watchFunctions}. */
export interface WatchFunctionsOptions {
  /** Quiet time after the last change before `onChange` runs, in ms. Default 100. */
  debounceMs?: number;
}

/**
 * Calls `onChange` after files under `dir` change (recursively where the platform supports it;
 * `node_modules` and dot-directories are ignored). A change during a running `onChange` runs it
 * once more afterwards. Returns a function that stops watching.
 */
export function watchFunctions(dir: string, onChange: () => Promise<void>, options: WatchFunctionsOptions = {}): () => void {
  const debounceMs = options.debounceMs ?? 100;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  const run = (): void => {
    timer = undefined;
    if (running) {
      again = true;
      return;
    }
    running = onChange().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        run();
      }
    });
  };
  const changed = (_event: string, name: string | Buffer | null): void => {
    const path = String(name ?? "");
    if (/(^|[\\/])(node_modules|\.[^\\/]*)([\\/]|$)/.test(path)) return;
    clearTimeout(timer);
    timer = setTimeout(run, debounceMs);
  };
  let watcher: FSWatcher;
  try {
    watcher = watch(dir, { recursive: true }, changed);
  } catch {
    watcher = watch(dir, changed); // no recursive watching on this platform: the top directory only
  }
  watcher.on("error", () => {}); // e.g. the directory was removed: keep serving what is loaded
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}
