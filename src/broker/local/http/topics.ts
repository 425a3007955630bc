/**
 * URL groups ("topics"): add/remove endpoints, get, list, delete. Removing the last endpoint
 * deletes the group.
 * @module
 */

import { BrokerError } from "../../../errors.ts";
import { isValidName } from "../message/destination.ts";
import type { TopicRecord } from "../message/records.ts";
import type { RouteContext } from "./context.ts";

type Endpoint = { name?: string; url?: string };

async function endpointsOf(req: { json(): Promise<unknown> }): Promise<Endpoint[]> {
  const body = (await req.json().catch(() => undefined)) as { endpoints?: unknown } | undefined;
  if (!body || !Array.isArray(body.endpoints)) {
    throw new BrokerError('invalid body: send {"endpoints": [{"name"?: "...", "url": "https://..."}]}', { status: 400 });
  }
  return body.endpoints as Endpoint[];
}

export function topicRoutes({ app, engine }: RouteContext): void {
  const find = async (name: string): Promise<TopicRecord> => {
    const t = await engine.store.topics.get(name);
    if (!t) throw new BrokerError(`url group "${name}" not found`, { status: 404 });
    return t;
  };

  app.post("/v2/topics/:name/endpoints", async (c) => {
    const name = c.req.param("name");
    if (!isValidName(name)) throw new BrokerError(`invalid url group name "${name}": use letters, digits, "-", "_" and "."`, { status: 400 });
    const add = await endpointsOf(c.req);
    for (const e of add) {
      if (typeof e?.url !== "string" || !/^https?:\/\/[^/]/i.test(e.url)) {
        throw new BrokerError(`invalid endpoint url ${JSON.stringify(e?.url)}: use an http:// or https:// URL`, { status: 400 });
      }
    }
    const now = engine.now();
    const topic = (await engine.store.topics.get(name)) ?? { name, createdAt: now, updatedAt: now, endpoints: [] };
    for (const e of add) {
      const clean = e.name ? { name: e.name, url: e.url! } : { url: e.url! };
      const i = topic.endpoints.findIndex((x) => x.url === clean.url || (clean.name !== undefined && x.name === clean.name));
      if (i >= 0) topic.endpoints[i] = clean;
      else topic.endpoints.push(clean);
    }
    await engine.store.topics.put({ ...topic, updatedAt: now });
    return c.text("");
  });

  app.delete("/v2/topics/:name/endpoints", async (c) => {
    const topic = await find(c.req.param("name"));
    const remove = await endpointsOf(c.req);
    const endpoints = topic.endpoints.filter((x) => !remove.some((r) => (r.url !== undefined && r.url === x.url) || (r.name !== undefined && r.name === x.name)));
    if (endpoints.length === 0) await engine.store.topics.remove(topic.name);
    else await engine.store.topics.put({ ...topic, endpoints, updatedAt: engine.now() });
    return c.text("");
  });

  app.get("/v2/topics", async (c) => c.json(await engine.store.topics.list()));
  app.get("/v2/topics/:name", async (c) => c.json(await find(c.req.param("name"))));
  app.delete("/v2/topics/:name", async (c) => {
    if (!(await engine.store.topics.remove(c.req.param("name")))) throw new BrokerError(`url group "${c.req.param("name")}" not found`, { status: 404 });
    return c.text("");
  });
}
