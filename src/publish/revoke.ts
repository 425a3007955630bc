/**
 * Revoke without a worker in between (Celery's `revoke`): the tombstone and the REVOKED state in
 * the backend, and the pending broker message cancelled when its id is known. Used by the client
 * in direct mode and by the worker's revoke API.
 * @module
 */
import type { Backend } from "../backend/backend.ts";
import { toExceptionInfo } from "../backend/result-view.ts";
import type { Broker } from "../broker/broker.ts";
import { TaskRevokedError } from "../errors.ts";
import { REVOKED } from "../states.ts";

/**
 * Revoke in direct mode: tombstone + REVOKED state, and cancel the pending message when known.
 * The tombstone lives `ttlMs`, and at least `ttlMs` past `runsUntilMs` (the message's expiry or
 * eta, when known), so a message delayed past the result TTL is still refused when it arrives.
 */
export async function revokeDirect(
  backend: Backend, broker: Broker, id: string, ttlMs: number, now: () => number, messageId?: string, runsUntilMs?: number,
): Promise<void> {
  const { info, traceback } = toExceptionInfo(new TaskRevokedError("revoked"));
  const at = now();
  const tombstoneMs = runsUntilMs !== undefined && Number.isFinite(runsUntilMs) ? Math.max(ttlMs, runsUntilMs - at + ttlMs) : ttlMs;
  await backend.revoke(id, {
    task_id: id, status: REVOKED, result: info, traceback, children: [], date_done: new Date(at).toISOString(),
  }, tombstoneMs, "revoked");
  if (messageId) await broker.cancel(messageId).catch(() => false);
}
