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
  return new PrefixedLogger(base, `${name}[${id}]: `);
}

/** One per task run: methods on the prototype, so making one allocates no functions. */
class PrefixedLogger implements Logger {
  constructor(
    readonly base: Logger,
    readonly prefix: string,
  ) {}
  debug(message: string, fields?: Record<string, unknown>): void {
    this.base.debug(this.prefix + message, fields);
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.base.info(this.prefix + message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.base.warn(this.prefix + message, fields);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.base.error(this.prefix + message, fields);
  }
}
