/**
 * Queues: upsert, get, list, delete, pause, resume. `lag` counts undelivered messages.
 * @module
 */

import { BrokerError } from "../../../errors.ts";
import { isValidName } from "../message/destination.ts";
import type { QueueRecord } from "../message/records.ts";
import type { RouteContext } from "./context.ts";
import type { BrokerEngine } from "../engine/engine.ts";

/** A queue as `GET /v2/queues` answers it. */
export function queueJson(engine: BrokerEngine, r: QueueRecord): Record<string, unknown> {
  return { name: r.name, createdAt: r.createdAt, updatedAt: r.updatedAt, parallelism: r.parallelism, lag: engine.gates.queues.state(r.name).lag, paused: r.paused };
}

export function queueRoutes({ app, engine }: RouteContext): void {
  const json = (r: QueueRecord) => queueJson(engine, r);
  const find = async (name: string): Promise<QueueRecord> => {
    const r = await engine.store.queues.get(name);
    if (!r) throw new BrokerError(`queue "${name}" not found`, { status: 404 });
    return r;
  };
  const save = async (r: QueueRecord): Promise<void> => {
    await engine.store.queues.put(r);
    engine.gates.queues.configure(r);
  };

  app.post("/v2/queues", async (c) => {
    const body = (await c.req.json().catch(() => undefined)) as { queueName?: unknown; parallelism?: unknown; paused?: unknown } | undefined;
    const name = body?.queueName;
    if (typeof name !== "string" || !isValidName(name)) {
      throw new BrokerError('invalid queue: send {"queueName": "<letters, digits, -, _, .>", "parallelism": 1, "paused": false}', { status: 400 });
    }
    const parallelism = body?.parallelism ?? 1;
    if (typeof parallelism !== "number" || !Number.isInteger(parallelism) || parallelism < 1) {
      throw new BrokerError(`invalid parallelism ${JSON.stringify(parallelism)}: use an integer ≥ 1`, { status: 400 });
    }
    const now = engine.now();
    const existing = await engine.store.queues.get(name);
    await save({ name, createdAt: existing?.createdAt ?? now, updatedAt: now, parallelism, paused: body?.paused === true });
    return c.text("");
  });

  app.get("/v2/queues", async (c) => c.json((await engine.store.queues.list()).map(json)));
  app.get("/v2/queues/:name", async (c) => c.json(json(await find(c.req.param("name")))));

  app.delete("/v2/queues/:name", async (c) => {
    const name = c.req.param("name");
    await find(name);
    await engine.store.queues.remove(name);
    for (const msg of engine.gates.queues.forget(name)) engine.scheduler.ready(msg);
    return c.text("");
  });

  for (const action of ["pause", "resume"] as const) {
    app.post(`/v2/queues/:name/${action}`, async (c) => {
      const r = await find(c.req.param("name"));
      await save({ ...r, paused: action === "pause", updatedAt: engine.now() });
      return c.text("");
    });
  }
}
