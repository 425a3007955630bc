/**
 * The publish and results API (bearer token `CELERIAC_API_TOKEN`):
 * `POST /api/tasks/:name`, `GET /api/results/:id`, `POST /api/results/:id/revoke`,
 * `DELETE /api/results/:id`, `GET /api/tasks`.
 * @module
 */
import { Hono } from "hono/tiny";
import { AUTHORIZATION } from "../headers.ts";
import { revokeDirect } from "../publish/revoke.ts";
import { toResultView } from "../backend/result-view.ts";
import type { WorkerRuntime } from "../execution/runtime.ts";
import type { Broker } from "../broker/broker.ts";
import { validate } from "../task/standard-schema.ts";
import type { AnyTask } from "../task/task.ts";
import { bearerToken, timingSafeEqual } from "./auth.ts";
import { readBody } from "./read-body.ts";
import { PENDING } from "../states.ts";
import { type BrokerError, hasName, type SendOptionError } from "../errors.ts";
import { checkSendOptions, type SendOptions } from "../task/send-options.ts";
import { type Canvas, canvasProblem } from "../canvas/signature.ts";
import { sendCanvas } from "../publish/send-canvas.ts";
import { fromCeleryTuple } from "../canvas/freeze.ts";
import { MAX_JSON_DEPTH, textNestsDeeperThan } from "../util/json-depth.ts";

/** The 400 answer for a body nested deeper than {@link MAX_JSON_DEPTH}, or undefined. */
function tooDeep(text: string, raw: unknown): string | undefined {
  return textNestsDeeperThan(text, raw, MAX_JSON_DEPTH + 1) ? `The body nests more than ${MAX_JSON_DEPTH} levels deep; nothing was sent. Send flatter data.` : undefined;
}

/** The 400 answer for `options` that is not an object (absent and null are fine), or undefined. */
function badOptions(options: unknown): string | undefined {
  if (options === undefined || options === null || (typeof options === "object" && !Array.isArray(options))) return undefined;
  return `"options" must be an object such as {"countdown": 10, "queue": "default"}, not ${Array.isArray(options) ? "an array" : typeof options}; nothing was sent.`;
}


export interface ApiOptions {
  rt: WorkerRuntime;
  broker: Broker;
  /** Without a token the API answers 401 to everything, saying how to set one. */
  apiToken: string | undefined;
  maxBodyBytes: number;
}

/** The `/api` sub-app. */
export function createApi(o: ApiOptions): Hono {
  const { rt } = o;
  const api = new Hono();
  api.use("*", async (c, next) => {
    if (!o.apiToken) return c.json({ error: "The API is disabled: set CELERIAC_API_TOKEN on the worker to enable it." }, 401);
    const given = bearerToken(c.req.header(AUTHORIZATION));
    if (!given) return c.json({ error: "Missing bearer token: send `Authorization: Bearer <CELERIAC_API_TOKEN>`." }, 401);
    if (!(await timingSafeEqual(given, o.apiToken))) return c.json({ error: "Wrong API token: use the worker's CELERIAC_API_TOKEN." }, 401);
    await next();
  });

  api.post("/tasks/:name", async (c) => {
    const name = c.req.param("name");
    const task = rt.registry.find(name);
    if (!task) return c.json({ error: `Task "${name}" is not registered (registered: ${rt.registry.names().join(", ") || "none"}).` }, 404);
    const text = await readBody(c.req.raw, o.maxBodyBytes);
    if (typeof text !== "string") return c.json({ error: text.error }, 413);
    let raw: unknown;
    try {
      raw = text ? JSON.parse(text) : {};
    } catch (e) {
      return c.json({ error: `Body is not valid JSON (${(e as Error).message}). Send {"input": ..., "options": {...}}.` }, 400);
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      return c.json({ error: `Invalid publish request: the body must be a JSON object. Send {"input": ..., "options": {...}}.` }, 400);
    }
    const deep = tooDeep(text, raw) ?? badOptions((raw as { options?: unknown }).options);
    if (deep) return c.json({ error: deep }, 400);
    // The options are checked by the publisher (`checkSendOptions`) before anything is published.
    const body = raw as { input?: unknown; options?: SendOptions };
    const checked = await validate(task.input, body.input);
    if (checked.issues) {
      return c.json({ error: `Input for task "${name}" failed its schema; nothing was sent.`, issues: checked.issues.map((i) => ({ message: i.message, path: i.path?.map((p) => (typeof p === "object" ? p.key : p)) })) }, 422);
    }
    let sent;
    try {
      sent = await rt.publisher.send(name, body.input, body.options);
    } catch (error) {
      if (hasName(error, "SendOptionError")) return c.json({ error: (error as Error).message, option: (error as SendOptionError).option }, 400);
      throw error;
    }
    const url = new URL(`/api/results/${encodeURIComponent(sent.id)}`, c.req.url).toString();
    return c.json({ id: sent.id, state: PENDING, url, messageId: sent.messageId, deduplicated: sent.deduplicated, ...(sent.runsUntilMs !== undefined ? { runsUntil: sent.runsUntilMs } : {}) }, 202);
  });

  api.post("/canvas", async (c) => {
    const text = await readBody(c.req.raw, o.maxBodyBytes);
    if (typeof text !== "string") return c.json({ error: text.error }, 413);
    let body: { canvas?: unknown; options?: unknown };
    try {
      body = text ? JSON.parse(text) : {};
    } catch (e) {
      return c.json({ error: `Body is not valid JSON (${(e as Error).message}). Send {"canvas": ..., "options": {...}}.` }, 400);
    }
    const deep = tooDeep(text, body) ?? badOptions(body?.options);
    if (deep) return c.json({ error: deep }, 400);
    const problem = canvasProblem(body?.canvas);
    if (problem) return c.json({ error: `Invalid canvas: ${problem}. Send {"canvas": {"task": ...} | {"kind": "chain", "steps": [...]} | {"kind": "group", "tasks": [...]} | {"kind": "chord", "header": [...], "body": ...}}.` }, 400);
    try {
      // The options are checked here: the canvas's links are attached before any publisher sees them.
      const options = checkSendOptions(body.options, rt.now());
      const result = await sendCanvas({ publisher: rt.publisher, backend: rt.backend, resultExpiresMs: rt.resultExpiresMs, registry: rt.registry }, body.canvas as Canvas, options);
      return c.json({ result }, 202);
    } catch (error) {
      if (hasName(error, "NotRegistered") || hasName(error, "CanvasError")) return c.json({ error: (error as Error).message }, 400);
      if (hasName(error, "SendOptionError")) return c.json({ error: (error as Error).message, option: (error as SendOptionError).option }, 400);
      if ((error as BrokerError).status === 413) return c.json({ error: (error as Error).message }, 413);
      throw error;
    }
  });
  api.get("/groups/:id", async (c) => {
    const result = fromCeleryTuple(await rt.backend.getGroup(c.req.param("id")));
    return result ? c.json({ result }) : c.json({ error: `No saved group ${c.req.param("id")} (never sent, or expired).` }, 404);
  });

  api.get("/results/:id", async (c) => c.json(toResultView(c.req.param("id"), await rt.backend.getMeta(c.req.param("id")))));
  api.delete("/results/:id", async (c) => {
    await rt.backend.forget(c.req.param("id"));
    return c.json({ id: c.req.param("id"), forgotten: true });
  });
  api.post("/results/:id/revoke", async (c) => {
    const id = c.req.param("id");
    const messageId = c.req.query("messageId");
    const until = Number(c.req.query("until"));
    await revokeDirect(rt.backend, o.broker, id, rt.resultExpiresMs, rt.now, messageId, Number.isFinite(until) ? until : undefined);
    return c.json(toResultView(id, await rt.backend.getMeta(id)));
  });
  api.get("/tasks", (c) => c.json({ tasks: [...rt.registry].map(describeTask) }));
  return api;
}

/** A task as `GET /api/tasks` lists it: name, description, options, and its input's JSON Schema. */
export function describeTask(task: AnyTask) {
  const o = task.options;
  // Standard JSON Schema (`~standard.jsonSchema`, implemented by zod 4.2+ and others): the schema
  // library converts itself, so the worker bundles no converter.
  let input: unknown = null;
  const converter = (task.input["~standard"] as { jsonSchema?: { input?: (o: { target: string }) => unknown } }).jsonSchema;
  try {
    input = converter?.input?.({ target: "draft-2020-12" }) ?? null;
  } catch {
    input = null; // not representable as JSON Schema
  }
  return {
    name: task.name,
    ...(task.description ? { description: task.description } : {}),
    options: {
      queue: o.queue, ignoreResult: o.ignoreResult, trackStarted: o.trackStarted, acksLate: o.acksLate,
      maxRetries: o.maxRetries, defaultRetryDelay: o.defaultRetryDelayMs / 1000,
      autoretryFor: o.autoretryFor.map((m) => (typeof m === "string" ? m : m.name)),
      retryBackoff: o.retryBackoff, retryBackoffMax: o.retryBackoffMax, retryJitter: o.retryJitter,
      timeLimit: o.timeLimitMs === undefined ? null : o.timeLimitMs / 1000,
      softTimeLimit: o.softTimeLimitMs === undefined ? null : o.softTimeLimitMs / 1000,
      rateLimit: o.rateLimit ?? null, cache: task.cache ? true : false,
      expires: o.expiresMs === undefined ? null : o.expiresMs / 1000, deliveryRetries: o.deliveryRetries,
      storeErrorsEvenIfIgnored: o.storeErrorsEvenIfIgnored,
    },
    input,
  };
}
