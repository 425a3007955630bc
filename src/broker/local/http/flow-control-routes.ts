/**
 * The flowControl API: get/list keys, pause, resume, pin, unpin, resetRate, and the global
 * parallelism (the broker's delivery concurrency).
 * @module
 */

import { BrokerError } from "../../../errors.ts";
import { queryInt, type RouteContext } from "./context.ts";

export function flowControlRoutes({ app, engine }: RouteContext): void {
  const flow = engine.gates.flow;
  const kick = () => engine.scheduler.kick();

  app.get("/v2/flowControl", (c) => {
    const search = c.req.query("search");
    return c.json(flow.list(engine.now()).filter((i) => !search || i.flowControlKey.includes(search)));
  });
  app.get("/v2/flowControl/:key", (c) => {
    const info = flow.info(c.req.param("key"), engine.now());
    if (!info) throw new BrokerError(`flow control key "${c.req.param("key")}" not found: no message used it yet`, { status: 404 });
    return c.json(info);
  });
  app.get("/v2/globalParallelism", (c) => c.json({ parallelismMax: engine.options.maxConcurrency, parallelismCount: engine.scheduler.inflight }));

  app.post("/v2/flowControl/:key/pause", (c) => {
    flow.setPaused(c.req.param("key"), true, engine.now());
    return c.text("");
  });
  app.post("/v2/flowControl/:key/resume", (c) => {
    flow.setPaused(c.req.param("key"), false, engine.now());
    kick();
    return c.text("");
  });
  app.post("/v2/flowControl/:key/pin", (c) => {
    const url = new URL(c.req.url);
    const pin = { parallelism: queryInt(url, "parallelism"), rate: queryInt(url, "rate"), periodSec: queryInt(url, "period") };
    if (pin.parallelism === 0 || pin.rate === 0) throw new BrokerError("pin values must be ≥ 1", { status: 400 });
    flow.pin(c.req.param("key"), pin, engine.now());
    kick();
    return c.text("");
  });
  app.post("/v2/flowControl/:key/unpin", (c) => {
    flow.unpin(c.req.param("key"), { parallelism: c.req.query("parallelism") === "true", rate: c.req.query("rate") === "true" }, engine.now());
    kick();
    return c.text("");
  });
  app.post("/v2/flowControl/:key/resetRate", (c) => {
    flow.resetRate(c.req.param("key"), engine.now());
    kick();
    return c.text("");
  });
}
