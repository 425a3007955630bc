/**
 * Loggers. A task logger prefixes each line with the task name and id, like Celery's
 * `%(task_name)s[%(task_id)s]` format.
 * @module
 */

/** A minimal structured logger. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const LEVELS = ["debug", "info", "warn", "error"] as const;
type Level = (typeof LEVELS)[number];

/** A console logger printing `level` and above. */
export function consoleLogger(level: Level = "info"): Logger {
  const min = LEVELS.indexOf(level);
  const make = (l: Level) => (message: string, fields?: Record<string, unknown>) => {
    if (LEVELS.indexOf(l) < min) return;
    const line = `[${new Date().toISOString()}: ${l.toUpperCase()}] ${message}`;
    // deno-lint-ignore no-console
    (l === "error" ? console.error : l === "warn" ? console.warn : console.log)(fields && Object.keys(fields).length ? `${line} ${JSON.stringify(fields)}` : line);
  };
  return { debug: make("debug"), info: make("info"), warn: make("warn"), error: make("error") };
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A logger whose lines carry `name[id]`. */
export function taskLogger(base: Logger, name: string, id: string): Logger {
  const prefix = `${name}[${id}]: `;
  return {
    debug: (m, f) => base.debug(prefix + m, f),
    info: (m, f) => base.info(prefix + m, f),
    warn: (m, f) => base.warn(prefix + m, f),
    error: (m, f) => base.error(prefix + m, f),
  };
}
