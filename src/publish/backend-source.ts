/**
 * The `ResultSource` over a backend and a broker: what a direct-mode client and a worker (for
 * results of tasks sent from inside a task) read results through.
 * @module
 */
import type { Backend } from "../backend/backend.ts";
import type { Broker } from "../broker/broker.ts";
import { toResultView } from "../backend/result-view.ts";
import { revokeDirect } from "./revoke.ts";
import type { ResultSource } from "../result/async-result.ts";

/** Read, forget, revoke and watch results in `backend`; revoke cancels pending messages on `broker`. */
export function backendResultSource(backend: Backend, broker: Broker, resultExpiresMs: number, now: () => number): ResultSource {
  return {
    fetch: async (id) => toResultView(id, await backend.getMeta(id)),
    fetchMany: backend.getMetas ? async (ids) => (await backend.getMetas!(ids)).map((meta, i) => toResultView(ids[i]!, meta)) : undefined,
    forget: (id) => backend.forget(id),
    revoke: (id, opts) => revokeDirect(backend, broker, id, resultExpiresMs, now, opts?.messageId, opts?.expiresAt),
    watch: backend.watch ? (id, onView) => backend.watch!(id, (meta) => onView(toResultView(id, meta))) : undefined,
  };
}
