/**
 * A time limit on node-redis commands waiting to be sent, without a timer per command.
 *
 * node-redis (6.x) gives every command its own `AbortSignal.timeout(5000)` unless told otherwise:
 * a timer, a signal, a weak reference and a finalization entry that outlive the command by five
 * seconds. V8's young-generation collector keeps weakly held objects alive, so all of it is
 * promoted to the old space and freed only by a major collection: in the soak benchmark (170
 * tasks/s) it was a third of what the Redis-backed broker promoted, its heap swinging between 40
 * and 160 MB. Here the commands sent within the same `granularityMs` share one `AbortSignal`,
 * aborted once the newest of them is `timeoutMs` old. node-redis drops a command's listener as
 * soon as the command is written to the socket, so what this limits is what node-redis's own
 * timeout limits: a command still queued (Redis unreachable, reconnecting) fails with node-redis's
 * `AbortError` between `timeoutMs` and `timeoutMs + granularityMs` after it was sent.
 * @module
 */
import { setMaxListeners } from "node:events";

/** Options of {@link CommandDeadlines}. */
export interface CommandDeadlinesOptions {
  /** A command not yet sent this long after it was issued fails. Default 5000 (node-redis's own default). */
  timeoutMs?: number | undefined;
  /** Commands issued within this long share one signal. Default 1000. */
  granularityMs?: number | undefined;
  /** The clock, ms. Default `Date.now`. */
  now?: () => number;
}

interface Epoch {
  controller: AbortController;
  /** When its newest command is `timeoutMs` old. */
  abortAt: number;
}

/** Hands out the `abortSignal` for each command: one signal per `granularityMs`, one timer at a time. */
export class CommandDeadlines {
  readonly timeoutMs: number;
  readonly granularityMs: number;
  readonly #now: () => number;
  /** Signals not yet aborted, oldest first (about `timeoutMs / granularityMs + 1` of them). */
  readonly #open: Epoch[] = [];
  /** Until when the newest epoch takes commands. */
  #until = -Infinity;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(options: CommandDeadlinesOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.granularityMs = options.granularityMs ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /** The signal for a command issued now. */
  signal(): AbortSignal {
    const now = this.#now();
    let epoch = this.#open[this.#open.length - 1];
    if (epoch === undefined || now >= this.#until) {
      this.#until = now + this.granularityMs;
      epoch = { controller: new AbortController(), abortAt: this.#until + this.timeoutMs };
      // Each queued command adds a listener; many at once are expected, not a leak.
      setMaxListeners(0, epoch.controller.signal);
      this.#open.push(epoch);
      if (this.#timer === undefined) this.#arm();
    }
    return epoch.controller.signal;
  }

  /** Abort every signal whose commands are all `timeoutMs` old (the timer calls it). */
  sweep(now: number = this.#now()): void {
    let n = 0;
    while (n < this.#open.length && this.#open[n].abortAt <= now) this.#open[n++].controller.abort();
    if (n > 0) this.#open.splice(0, n);
  }

  /** Stop the timer (commands still queued then wait for the connection). */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    const first = this.#open[0];
    if (first === undefined || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.sweep();
      this.#arm();
    }, Math.max(0, first.abortAt - this.#now()));
    this.#timer.unref();
  }
}
