/**
 * The Redis store of the local broker (node-redis, RESP2): messages survive restarts and several
 * broker processes may share one Redis. Due messages are claimed atomically (a Lua script moves
 * them from the due sorted set to a lease sorted set); a broker renews the leases of what it
 * holds, and a lease that runs out (the broker died) makes the message due again. Delivery is
 * therefore at-least-once, never lost, and never claimed twice while a lease is live.
 *
 * Its keys are built by `createBrokerKeys` (`keys.ts`, with the layout); its scripts, one per file
 * in `scripts/`, run through the one EVALSHA→EVAL runner (`backend/redis/scripts/script.ts`).
 * @module
 */

import { AbortError, createClient, RESP_TYPES } from "redis";
import type { DlqEntry, EventRecord, StoredMessage } from "../../broker/local/message/message.ts";
import type { QueueRecord, ScheduleRecord, TopicRecord } from "../../broker/local/message/records.ts";
import type { BrokerStore, DedupStore, DlqStore, EventStore, MessageStore, RecordStore, ScheduleStore } from "../../broker/local/store/store.ts";
import { evalScript, sendCommandScripts } from "../../backend/redis/scripts/script.ts";
import { BackendError, ConfigError } from "../../errors.ts";
import { createBrokerKeys } from "../../keys.ts";
import { redact, redisUnreachable } from "../redis-unreachable.ts";
import { CommandDeadlines } from "./command-deadlines.ts";
import { decodeDlq, decodeEvent, decodeMessage, decodeSchedule, encodeDlq, encodeEvent, encodeMessage, encodeSchedule } from "./redis-codec.ts";
import { addEventsScript } from "./scripts/add-events.ts";
import { advanceScheduleScript } from "./scripts/advance-schedule.ts";
import { claimDueScript } from "./scripts/claim-due.ts";
import { dedupClaimScript } from "./scripts/dedup-claim.ts";
import { markScheduleStateScript } from "./scripts/mark-schedule-state.ts";
import { removeMessageScript } from "./scripts/remove-message.ts";
import { rescheduleScript } from "./scripts/reschedule.ts";
import { insertRecordScript } from "./scripts/insert-record.ts";
import { removeRecordScript } from "./scripts/remove-record.ts";
import { putScheduleScript } from "./scripts/put-schedule.ts";
import { removeScheduleScript } from "./scripts/remove-schedule.ts";

type Arg = string | Buffer;
type Reply = null | number | Buffer | string | Reply[];

/** The narrow client surface the store uses (node-redis `sendCommand`). */
export interface RedisCommander {
  sendCommand(args: Arg[]): Promise<unknown>;
}

/** Run `fetch` for every id with bounded pipelining (node-redis pipelines commands issued together). */
async function fetchAll<T>(ids: string[], fetch: (id: string) => Promise<T | undefined>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    for (const r of await Promise.all(ids.slice(i, i + 500).map(fetch))) if (r !== undefined) out.push(r);
  }
  return out;
}

const str = (r: Reply): string => (r === null ? "" : r.toString());
const num = (r: Reply): number | undefined => (r === null || r === undefined ? undefined : Number(r.toString()));

/** Options of {@link RedisBrokerStore}. */
export interface RedisBrokerStoreOptions {
  /** Key prefix, used as given; default `BROKER_KEYPREFIX` ("celeriac:broker:"). */
  prefix?: string | undefined;
  /** How long a claim lasts without renewal, ms. Default 60 000 (the broker renews every third of it). */
  leaseMs?: number | undefined;
  /** Delivery-log entries kept. Default 10 000. */
  maxEvents?: number | undefined;
}

export class RedisBrokerStore implements BrokerStore {
  readonly shared = true;
  readonly messages: MessageStore;
  readonly dlq: DlqStore;
  readonly dedup: DedupStore;
  readonly events: EventStore;
  readonly schedules: ScheduleStore;
  readonly queues: RecordStore<QueueRecord>;
  readonly topics: RecordStore<TopicRecord>;
  readonly leaseMs: number;
  readonly #close: () => Promise<void>;

  /** `client` must answer blob strings as Buffers (node-redis `withTypeMapping`), see {@link createRedisBrokerStore}. */
  constructor(client: RedisCommander, options: RedisBrokerStoreOptions & { close?: () => Promise<void> } = {}) {
    const leaseMs = (this.leaseMs = options.leaseMs ?? 60_000);
    const maxEvents = options.maxEvents ?? 10_000;
    this.#close = options.close ?? (async () => {});
    const cmd = (...args: Arg[]) => client.sendCommand(args) as Promise<Reply>;
    const lua = sendCommandScripts<Arg, Reply>(client);
    const K = createBrokerKeys(options.prefix);

    this.messages = {
      async insert(msg) {
        await evalScript(lua, insertRecordScript, [K.message(msg.id), K.due], [encodeMessage(msg), Buffer.from(msg.body), String(msg.dueAt), msg.id]);
      },
      async get(id) {
        const r = (await cmd("HMGET", K.message(id), "meta", "body")) as Reply[];
        return r[0] ? decodeMessage(r[0] as Buffer, r[1] as Buffer) : undefined;
      },
      async claimDue(now, max) {
        const r = (await evalScript(lua, claimDueScript, [K.due, K.lease], [String(now), String(max), String(now + leaseMs), K.messagePrefix])) as Reply[];
        const out: StoredMessage[] = [];
        for (let i = 0; i + 2 < r.length; i += 3) out.push(decodeMessage(r[i + 1] as Buffer, r[i + 2] as Buffer));
        return out;
      },
      async nextDueAt() {
        const [due, lease] = (await Promise.all([cmd("ZRANGE", K.due, "0", "0", "WITHSCORES"), cmd("ZRANGE", K.lease, "0", "0", "WITHSCORES")])) as Reply[][];
        const times = [num(due[1]), num(lease[1])].filter((t): t is number => t !== undefined);
        return times.length ? Math.min(...times) : undefined;
      },
      async reschedule(msg) {
        return (await evalScript(lua, rescheduleScript, [K.due, K.lease, K.message(msg.id)], [msg.id, String(msg.dueAt), encodeMessage(msg)])) === 1;
      },
      async remove(id) {
        const r = (await evalScript(lua, removeMessageScript, [K.due, K.lease, K.message(id)], [id])) as Reply[] | null;
        return r ? decodeMessage(r[0] as Buffer, r[1] as Buffer) : undefined;
      },
      async list() {
        const ids = [...((await cmd("ZRANGE", K.due, "0", "-1")) as Reply[]), ...((await cmd("ZRANGE", K.lease, "0", "-1")) as Reply[])].map(str);
        return fetchAll(ids, (id) => this.get(id));
      },
      renewEveryMs: Math.max(1000, Math.floor(leaseMs / 3)),
      async renew(ids, now) {
        if (ids.length === 0) return;
        const args: Arg[] = ["ZADD", K.lease, "XX"];
        for (const id of ids) args.push(String(now + leaseMs), id);
        await client.sendCommand(args);
      },
      async release(msgs) {
        for (const m of msgs) await this.reschedule(m);
      },
    };

    this.dlq = {
      async add(entry) {
        await evalScript(lua, insertRecordScript, [K.dlqEntry(entry.dlqId), K.dlq], [encodeDlq(entry), Buffer.from(entry.message.body), String(entry.failedAt), entry.dlqId]);
      },
      async get(dlqId) {
        const r = (await cmd("HMGET", K.dlqEntry(dlqId), "meta", "body")) as Reply[];
        return r[0] ? decodeDlq(r[0] as Buffer, r[1] as Buffer) : undefined;
      },
      async list() {
        const ids = ((await cmd("ZRANGE", K.dlq, "0", "-1")) as Reply[]).map(str);
        return fetchAll<DlqEntry>(ids, (id) => this.get(id));
      },
      async remove(dlqId) {
        return (await evalScript(lua, removeRecordScript, [K.dlqEntry(dlqId), K.dlq], [dlqId])) === 1;
      },
    };

    this.dedup = {
      async claim(key, messageId, _now, windowMs) {
        const r = await evalScript(lua, dedupClaimScript, [K.dedup(key)], [messageId, String(Math.max(1, Math.round(windowMs)))]);
        return r ? str(r) : undefined;
      },
    };

    // Log entries are batched: one script call per tick carries every entry added in it.
    let pending: string[] = [];
    let flushing: Promise<void> | undefined;
    const flush = async (): Promise<void> => {
      const batch = pending;
      pending = [];
      flushing = undefined;
      if (batch.length) await evalScript(lua, addEventsScript, [K.events, K.eventSeq], [String(maxEvents), ...batch]);
    };
    this.events = {
      add(event: EventRecord): Promise<void> {
        pending.push(encodeEvent(event));
        flushing ??= Promise.resolve().then(flush);
        return flushing;
      },
      async list({ before, count, filter }) {
        await flushing;
        const out: EventRecord[] = [];
        const chunk = 500;
        for (let start = 0; out.length < count; start += chunk) {
          const items = ((await cmd("LRANGE", K.events, String(start), String(start + chunk - 1))) as Reply[]).map(str);
          for (const item of items) {
            const seq = Number(item.slice(0, item.indexOf(" ")));
            if (before !== undefined && seq >= before) continue;
            const e = decodeEvent(item);
            if (filter(e)) out.push(e);
            if (out.length >= count) break;
          }
          if (items.length < chunk) break;
        }
        return out;
      },
    };

    const getSchedule = async (id: string): Promise<ScheduleRecord | undefined> => {
      const [fields, states] = (await Promise.all([cmd("HMGET", K.schedule(id), "meta", "body"), cmd("HGETALL", K.scheduleStates(id))])) as Reply[][];
      if (!fields[0]) return undefined;
      const st: Record<string, string> = {};
      for (let i = 0; i + 1 < states.length; i += 2) st[str(states[i])] = str(states[i + 1]);
      return decodeSchedule(fields[0] as Buffer, fields[1] as Buffer, st);
    };
    this.schedules = {
      async put(s) {
        const next = !s.isPaused && s.nextScheduleTime !== undefined ? String(s.nextScheduleTime) : "";
        await evalScript(lua, putScheduleScript, [K.schedule(s.scheduleId), K.scheduleDue, K.schedules], [encodeSchedule(s), Buffer.from(s.body), s.scheduleId, next]);
      },
      get: getSchedule,
      async list() {
        const ids = ((await cmd("SMEMBERS", K.schedules)) as Reply[]).map(str).sort();
        return fetchAll(ids, getSchedule);
      },
      async remove(id) {
        return (await evalScript(lua, removeScheduleScript, [K.schedule(id), K.scheduleStates(id), K.scheduleDue, K.schedules], [id])) === 1;
      },
      async due(now) {
        const ids = ((await cmd("ZRANGEBYSCORE", K.scheduleDue, "-inf", String(now))) as Reply[]).map(str);
        return (await fetchAll(ids, getSchedule)).filter((s) => !s.isPaused);
      },
      async nextDueAt() {
        const r = (await cmd("ZRANGE", K.scheduleDue, "0", "0", "WITHSCORES")) as Reply[];
        return num(r[1]);
      },
      async advance(s, from) {
        const next = !s.isPaused && s.nextScheduleTime !== undefined ? String(s.nextScheduleTime) : "";
        return (await evalScript(lua, advanceScheduleScript, [K.scheduleDue, K.schedule(s.scheduleId)], [s.scheduleId, String(from), next, encodeSchedule(s)])) === 1;
      },
      async setStates(id, states) {
        const args: Arg[] = [];
        for (const [k, v] of Object.entries(states)) args.push(k, v);
        await cmd("DEL", K.scheduleStates(id));
        if (args.length) await cmd("HSET", K.scheduleStates(id), ...args);
      },
      async markState(id, messageId, state) {
        await evalScript(lua, markScheduleStateScript, [K.scheduleStates(id)], [messageId, state]);
      },
    };

    const records = <T extends { name: string }>(key: string): RecordStore<T> => ({
      async put(record) {
        await cmd("HSET", key, record.name, JSON.stringify(record));
      },
      async get(name) {
        const r = await cmd("HGET", key, name);
        return r ? (JSON.parse(str(r)) as T) : undefined;
      },
      async list() {
        return ((await cmd("HVALS", key)) as Reply[]).map((v) => JSON.parse(str(v)) as T).sort((a, b) => (a.name < b.name ? -1 : 1));
      },
      async remove(name) {
        return (await cmd("HDEL", key, name)) === 1;
      },
    });
    this.queues = records<QueueRecord>(K.queues);
    this.topics = records<TopicRecord>(K.topics);
  }

  close(): Promise<void> {
    return this.#close();
  }
}

/** Options of {@link createRedisBrokerStore}. */
export interface RedisBrokerConnectionOptions extends RedisBrokerStoreOptions {
  /** `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS. */
  url: string;
  /** The first connection must succeed within this many ms. Default 3000. */
  connectTimeoutMs?: number | undefined;
  /** A command still waiting for the connection (Redis unreachable) this many ms fails. Default 5000; 0: it waits for the reconnect. */
  commandTimeoutMs?: number | undefined;
}

/**
 * Connect to `url` and build the store (the connection closes with the broker). The first
 * connection must succeed within `connectTimeoutMs` (default 3000), else this rejects with a
 * `BackendError` naming the URL; once connected, a lost connection is retried forever, and a
 * command sent meanwhile fails after `commandTimeoutMs` (see `command-deadlines.ts`).
 * @example
 * const broker = createLocalBroker({ store: await createRedisBrokerStore({ url: "redis://127.0.0.1:6379" }) });
 */
export async function createRedisBrokerStore(options: RedisBrokerConnectionOptions): Promise<RedisBrokerStore> {
  let connected = false;
  let client: ReturnType<typeof createClient>;
  try {
    client = createClient({
      url: options.url,
      RESP: 2,
      // node-redis's own per-command timer is off: CommandDeadlines below sets the same limit.
      commandOptions: { timeout: 0 },
      socket: {
        connectTimeout: options.connectTimeoutMs ?? 3000,
        // Give up on the first connection (a wrong URL must not hang); reconnect later ones with backoff.
        reconnectStrategy: (retries: number) => (connected ? Math.min(50 * 2 ** Math.min(retries, 6), 2000) : false),
      },
    });
  } catch (err) {
    throw new ConfigError(`the Redis URL "${redact(options.url)}" is not usable (${(err as Error).message}). Use redis://[user:password@]host:port[/db], or rediss:// for TLS.`);
  }
  client.on("error", () => {}); // reconnects; failed commands surface where they are used
  try {
    await client.connect();
    connected = true;
  } catch (err) {
    client.destroy();
    throw redisUnreachable(options.url, err);
  }
  const binary = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  const deadlines = options.commandTimeoutMs === 0 ? undefined : new CommandDeadlines({ timeoutMs: options.commandTimeoutMs });
  const unsent = (err: unknown): never => {
    if (!(err instanceof AbortError)) throw err;
    throw new BackendError(`Redis at ${redact(options.url)} did not take a command within ${deadlines!.timeoutMs} ms (the broker keeps reconnecting): check that redis-server is running.`, { cause: err });
  };
  const commander: RedisCommander = deadlines ? { sendCommand: (args) => binary.sendCommand(args, { abortSignal: deadlines.signal() }).catch(unsent) } : binary;
  return new RedisBrokerStore(commander, {
    ...options,
    close: async () => {
      deadlines?.close();
      await client.close();
    },
  });
}
