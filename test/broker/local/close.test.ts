/**
 * Closing the local broker while a delivery hangs: `close()` cuts the attempt short at once
 * (with the fetch deliver and with the node:http one), and the message goes back to the store
 * as it was — not a failed attempt, no retry counted — so a broker started on the same store
 * delivers it.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@upstash/qstash";
import { serve } from "@hono/node-server";
import { createLocalBroker } from "../../../src/broker/local/create-local-broker.ts";
import { MemoryStore } from "../../../src/broker/local/store/memory-store.ts";
import { createNodeDeliver } from "../../../src/adapters/node.ts";
import { waitFor } from "../../support/wait.ts";

describe("local broker close() with a delivery in flight", () => {
  let hang = true;
  const arrived: { body: string; retried: string | undefined }[] = [];
  let receiver: http.Server;
  let url = "";
  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        arrived.push({ body, retried: req.headers["upstash-retried"] as string | undefined });
        if (!hang) res.end("ok");
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/tasks/x`;
  });
  afterAll(() => new Promise<void>((r) => {
    receiver.closeAllConnections();
    receiver.close(() => r());
  }));

  for (const [name, makeDeliver] of [["fetch deliver", () => undefined], ["createNodeDeliver", () => createNodeDeliver()]] as const) {
    it(`${name}: close() returns at once and the message is delivered later by a broker on the same store, retried 0 times`, async () => {
      hang = true;
      arrived.length = 0;
      const store = new MemoryStore();
      const deliver = makeDeliver();
      const first = createLocalBroker({ store, deliver, timeoutMs: 60_000, onError: () => {} });
      const served = serve({ fetch: first.fetch, hostname: "127.0.0.1", port: 0 });
      await new Promise<void>((r) => served.once("listening", () => r()));
      const client = new Client({ baseUrl: `http://127.0.0.1:${(served.address() as AddressInfo).port}`, token: first.token, retry: false });
      await client.publish({ url, body: "payload-1" });
      await waitFor(() => arrived.length === 1, { what: "the first delivery to arrive" });

      const t0 = Date.now();
      await first.close();
      expect(Date.now() - t0).toBeLessThan(5_000); // far below the 60 s attempt timeout
      served.close();
      deliver?.close();

      hang = false;
      const second = createLocalBroker({ store, onError: () => {} });
      try {
        await waitFor(() => arrived.length === 2, { what: "the redelivery" });
        expect(arrived[1]).toEqual({ body: "payload-1", retried: "0" });
      } finally {
        await second.close();
      }
    });
  }
});
