/**
 * Test helpers: a local broker on a real port, the official Client pointed at it, and a real
 * HTTP receiver that verifies every delivery with the official Receiver.
 */

import { serve, type ServerType } from "@hono/node-server";
import { afterAll, afterEach, beforeAll } from "vitest";
import { Client, Receiver } from "@upstash/qstash";
import type { AddressInfo } from "node:net";
import { createLocalBroker, type LocalBroker, type LocalBrokerOptions } from "../../../src/broker/local/create-local-broker.ts";
import { waitFor as waitUntil } from "../../support/wait.ts";

export interface Delivery {
  url: string;
  method: string;
  headers: Headers;
  body: string;
  /** The official Receiver accepted the signature (with the URL checked). */
  verified: boolean;
  verifyError?: string;
  at: number;
}

export type Reply = (d: Delivery, nth: number) => Response | Promise<Response>;

export interface TestReceiver {
  /** Base URL, e.g. http://127.0.0.1:1234 */
  url: string;
  deliveries: Delivery[];
  /** How the receiver answers (default 200 "ok"). */
  reply: Reply;
  close(): Promise<void>;
}

function listen(fetch: (r: Request) => Response | Promise<Response>): Promise<{ server: ServerType; url: string }> {
  return new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) => {
      resolve({ server, url: `http://127.0.0.1:${info.port}` });
    });
  });
}

const closeServer = (server: ServerType): Promise<void> =>
  new Promise((resolve) => {
    (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    server.close(() => resolve());
  });

/** A receiver verifying with `keys` (clock tolerance large when the broker clock is fake). */
export async function startReceiver(keys: () => { current: string; next: string }, options: { clockTolerance?: number; now?: () => number } = {}): Promise<TestReceiver> {
  const receiver: TestReceiver = {
    url: "",
    deliveries: [],
    reply: () => new Response("ok"),
    close: async () => {},
  };
  const { server, url } = await listen(async (req) => {
    const body = await req.text();
    const d: Delivery = { url: req.url, method: req.method, headers: req.headers, body, verified: false, at: options.now?.() ?? Date.now() };
    try {
      const { current, next } = keys();
      const r = new Receiver({ currentSigningKey: current, nextSigningKey: next, devMode: false });
      d.verified = await r.verify({ signature: req.headers.get("upstash-signature") ?? "", body, url: req.url, clockTolerance: options.clockTolerance });
    } catch (err) {
      d.verifyError = (err as Error).message;
    }
    receiver.deliveries.push(d);
    return receiver.reply(d, receiver.deliveries.length);
  });
  receiver.url = url;
  receiver.close = () => closeServer(server);
  return receiver;
}

export interface TestBroker {
  broker: LocalBroker;
  url: string;
  client: Client;
  close(): Promise<void>;
}

/** A broker served on 127.0.0.1:0 with an official Client pointed at it. */
export async function startBroker(options: LocalBrokerOptions = {}): Promise<TestBroker> {
  const broker = createLocalBroker({ onError: (err) => console.error(err), ...options });
  const { server, url } = await listen(broker.fetch);
  const client = new Client({ baseUrl: url, token: broker.token, devMode: false, enableTelemetry: true, retry: false });
  return {
    broker,
    url,
    client,
    close: async () => {
      await broker.close();
      await closeServer(server);
    },
  };
}

/** A settable clock for `now`. */
export function manualClock(start = Date.now()): { now: () => number; set(t: number): void } {
  let t = start;
  return { now: () => t, set: (v) => (t = v) };
}

/** Wait until `check()` is truthy, polling the event loop; fails after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined | false, timeoutMs = 5000, what = "condition"): Promise<T> {
  return (await waitUntil(check, { timeoutMs, what, intervalMs: 2 })) as T;
}

/**
 * The usual fixture of a broker test file: a broker on a manual clock starting at `startMs` and a
 * receiver verifying with its keys, started once for the file. After each test the receiver is
 * reset and, with `clearBroker`, pending messages, the DLQ and schedules are cleared.
 * `use` receives both once they run.
 */
export function useBrokerAndReceiver(
  startMs: number,
  use: (started: { b: TestBroker; r: TestReceiver }) => void,
  options: { clearBroker?: boolean } = {},
): ReturnType<typeof manualClock> {
  const clock = manualClock(startMs);
  let b: TestBroker;
  let r: TestReceiver;
  beforeAll(async () => {
    b = await startBroker({ now: clock.now });
    r = await startReceiver(() => b.broker.keys, { clockTolerance: 1e10, now: () => b.broker.now() });
    use({ b, r });
  });
  afterAll(async () => {
    await b.close();
    await r.close();
  });
  afterEach(async () => {
    if (options.clearBroker) {
      await b.client.messages.cancel({ all: true });
      await b.client.dlq.delete({ all: true });
      for (const s of await b.client.schedules.list()) await b.client.schedules.delete(s.scheduleId);
    }
    // Deliveries a test started but did not wait for must land before the next test counts its own.
    await b.broker.idle();
    r.deliveries.length = 0;
    r.reply = () => new Response("ok");
  });
  return clock;
}
