import { describe, expect, it } from "vitest";
import type { StoredMessage } from "../../../src/broker/local/message/message.ts";
import { decodeDlq, decodeEvent, encodeDlq, encodeEvent } from "../../../src/node/broker/redis-codec.ts";

const bytes = (text: string) => new Uint8Array(Buffer.from(text));

function message(): StoredMessage {
  // The body is a view into a larger buffer, as node-redis hands it out.
  const backing = bytes('xx{"task":"add","args":[1,2],"note":"\\u00e9\\"q"}yy');
  return {
    id: "msg_1", seq: 3, url: "http://worker.test/tasks/add", method: "POST",
    headers: { "Content-Type": "application/json", "X-Quote": 'a "b"' }, body: backing.subarray(2, backing.length - 2),
    createdAt: 1_700_000_000_000, notBefore: 1_700_000_000_000, dueAt: 1_700_000_001_000, maxRetries: 3, retried: 1,
    labels: ["t-1"], state: "ERROR",
    lastResponse: { status: 500, headers: { "Retry-After": ["2"] }, body: bytes("boom") },
  };
}

describe("the Redis broker store's codec", () => {
  it("keeps every field of a log entry, with and without the optional ones", () => {
    const m = message();
    const full = { time: 1_700_000_002_000, state: "RETRY" as const, message: m, error: 'destination answered 500 "x"', nextDeliveryTime: 1_700_000_009_000, response: { status: 500, headers: { A: ["1"] }, body: bytes("no") } };
    const { seq, ...decoded } = decodeEvent(`42 ${encodeEvent(full)}`);
    expect(seq).toBe(42);
    expect(decoded).toEqual({ ...full, message: { ...m, body: bytes('{"task":"add","args":[1,2],"note":"\\u00e9\\"q"}') } });

    const bare = decodeEvent(`7 ${encodeEvent({ time: 5, state: "CREATED", message: m })}`);
    expect(bare).toEqual({ seq: 7, time: 5, state: "CREATED", message: { ...m, body: bytes('{"task":"add","args":[1,2],"note":"\\u00e9\\"q"}') } });
    expect(JSON.parse(encodeEvent({ time: 5, state: "CREATED", message: m }))).not.toHaveProperty("error");
  });

  it("keeps a DLQ entry's message", () => {
    const m = message();
    const entry = decodeDlq(encodeDlq({ dlqId: "dlq_1", failedAt: 9, message: m }), Buffer.from(m.body));
    expect(entry).toEqual({ dlqId: "dlq_1", failedAt: 9, message: { ...m, body: new Uint8Array(m.body) } });
  });
});
