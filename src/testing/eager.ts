/**
 * Eager mode, Celery's `task.apply()` and `task_always_eager`: a send runs the task inline, with
 * the worker's own execution (schemas, claim, states in the given backend, time limits, hooks,
 * `Retry`/`Reject`/`Ignore`), and every message that run publishes — its retries, the tasks it
 * sends, canvas steps — runs inline too, at once (countdowns and etas are not waited for, as in
 * Celery's eager mode), before the send resolves. No broker, no HTTP, no signatures.
 * Importing `celeriac/testing` registers it for `task.apply()` and `createClient({ eager: true })`.
 * @module
 */
import type { Backend } from "../backend/backend.ts";
import { MemoryBackend } from "../backend/memory.ts";
import { createClient } from "../client/client.ts";
import { NotRegistered } from "../errors.ts";
import { execute } from "../execution/execute.ts";
import type { Timers } from "../execution/time-limit.ts";
import type { AsyncResult } from "../result/async-result.ts";
import { parseEnvelope } from "../task/envelope.ts";
import { type Registry, toRegistry } from "../task/registry.ts";
import { setCurrentSender, setEagerMode, type Sender } from "../task/sender.ts";
import type { SendOptions } from "../task/send-options.ts";
import type { AnyTask } from "../task/task.ts";
import { silentLogger, type Logger } from "../util/logger.ts";
import { createWorker } from "../worker/create-worker.ts";
import { RecordingBroker } from "./recording-broker.ts";

/** Options of {@link createEagerClient}. */
export interface CreateEagerClientOptions {
  /** The tasks a send may run (and that the runs may send). */
  tasks: Registry | Iterable<AnyTask> | Record<string, unknown>;
  /** Where states are stored. Default a new `MemoryBackend`. */
  backend?: Backend | undefined;
  /** Where the runs log. Default `silentLogger`. */
  logger?: Logger | undefined;
  /** Clock (epoch ms). Default `Date.now`. */
  now?: (() => number) | undefined;
  /** `setTimeout`/`clearTimeout` for the time limits. Default the global ones. */
  timers?: Timers | undefined;
  /** Become the current client (`task.delay()` runs inline). Default true. */
  setAsCurrent?: boolean | undefined;
}

/** A client whose sends run inline; `backend` holds the states. */
export interface EagerClient extends Sender {
  send<O = unknown>(target: string | AnyTask, input?: unknown, options?: SendOptions): Promise<AsyncResult<O>>;
  result<O = unknown>(id: string): AsyncResult<O>;
  revoke(id: string, options?: { messageId?: string }): Promise<void>;
  readonly backend: Backend;
}

const URL_BASE = "http://eager.celeriac.invalid";

/**
 * A client that runs every send inline (Celery's `task_always_eager`), for tests.
 * @example
 * const client = createEagerClient({ tasks: [add] });
 * await (await client.send(add, { a: 2, b: 3 })).get(); // 5, already stored
 */
export function createEagerClient(o: CreateEagerClientOptions): EagerClient {
  const now = o.now ?? Date.now;
  const backend = o.backend ?? new MemoryBackend({ clock: now });
  const broker = new RecordingBroker();
  const worker = createWorker({
    tasks: o.tasks, backend, broker, publicUrl: URL_BASE, now, timers: o.timers, logger: o.logger ?? silentLogger,
    verifier: { verify: () => Promise.reject(new Error("eager mode takes no deliveries")) },
  });
  const rt = worker.runtime;
  rt.eager = true;
  const client = createClient({ broker, backend, workerUrl: URL_BASE, tasks: rt.registry, now, setAsCurrent: false });
  let draining = false;
  /** Run every published message, oldest first, including what the runs publish. */
  async function drain(): Promise<void> {
    if (draining) return; // a send from inside a run: the outer drain runs it next
    draining = true;
    try {
      for (let m = broker.take()[0]; m; m = broker.take()[0]) {
        const env = parseEnvelope(m.body);
        const task = rt.registry.find(env.task);
        if (!task) throw new NotRegistered(env.task, rt.registry.names());
        await execute(rt, task, env, { messageId: m.messageId, retried: 0 });
      }
    } finally {
      draining = false;
    }
  }
  const eagerClient: EagerClient = {
    backend,
    async send<O>(target: string | AnyTask, input?: unknown, options?: SendOptions) {
      if (typeof target !== "string" && !rt.registry.find(target.name)) rt.registry.add(target);
      const result = await client.send(target as string, input, options);
      await drain();
      return result as AsyncResult<O>;
    },
    result: (id) => client.result(id),
    revoke: (id, options) => client.revoke(id, options),
  };
  if (o.setAsCurrent ?? true) setCurrentSender(eagerClient);
  return eagerClient;
}

// `task.apply()` and `createClient({ eager: true })` find eager mode here once celeriac/testing is imported.
setEagerMode({
  apply: (task, input, options = {}) => {
    const { backend, ...send } = options;
    const client = createEagerClient({ tasks: [task as AnyTask], backend: backend as Backend | undefined, setAsCurrent: false });
    return client.send(task as AnyTask, input, send);
  },
  client: (options) => createEagerClient(options as CreateEagerClientOptions),
});
