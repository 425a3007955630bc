import { describe, expect, it } from "vitest";
import { claimValue, closedClaimValue, createBrokerKeys, createKeys, normalizePrefix, parseClaimValue } from "../src/keys.ts";

describe("keys", () => {
  it("keys without a prefix are exactly Celery's", () => {
    const k = createKeys();
    expect(k.result("abc")).toBe("celery-task-meta-abc");
    expect(k.group("g1")).toBe("celery-taskset-meta-g1");
    expect(k.chord("g1")).toBe("chord-unlock-g1");
  });

  it("keys prefix normalises like Celery's global_keyprefix (adds `_` unless it ends in : _ - .)", () => {
    expect(normalizePrefix("app")).toBe("app_");
    for (const p of ["app:", "app_", "app-", "app."]) expect(normalizePrefix(p)).toBe(p);
    expect(normalizePrefix("")).toBe("");
    expect(createKeys("app").result("x")).toBe("app_celery-task-meta-x");
  });

  it("keys put celeriac's own keys under celeriac: after the prefix", () => {
    const k = createKeys("p:");
    expect([k.claim("id", 2), k.revoked("id"), k.lock("l"), k.idempotency("i"), k.cache("c")]).toEqual([
      "p:celeriac:claim:id:2",
      "p:celeriac:revoked:id",
      "p:celeriac:lock:l",
      "p:celeriac:idem:i",
      "p:celeriac:cache:c",
    ]);
  });

  it("keys claim values round-trip deadline and token, and a malformed one reads as expired", () => {
    expect(parseClaimValue(claimValue(1700000000000.4, "tok en"))).toEqual({ deadline: 1700000000001, token: "tok en", closed: false });
    expect(parseClaimValue(closedClaimValue(5, "tok"))).toEqual({ deadline: 5, token: "!tok", closed: true });
    expect(parseClaimValue("garbage")).toEqual({ deadline: 0, token: "", closed: false });
  });

  it("keys of the local broker's Redis store keep their layout under celeriac:broker: or the prefix given as is", () => {
    const k = createBrokerKeys();
    expect([k.due, k.lease, k.message("m1"), k.dlq, k.dlqEntry("d1"), k.dedup("x"), k.events, k.eventSeq]).toEqual([
      "celeriac:broker:due",
      "celeriac:broker:lease",
      "celeriac:broker:m:m1",
      "celeriac:broker:dlq",
      "celeriac:broker:d:d1",
      "celeriac:broker:dd:x",
      "celeriac:broker:events",
      "celeriac:broker:events:seq",
    ]);
    const b = createBrokerKeys("b1");
    expect([b.scheduleDue, b.schedules, b.schedule("s1"), b.scheduleStates("s1"), b.queues, b.topics]).toEqual([
      "b1sch:due",
      "b1sch:all",
      "b1sch:s:s1",
      "b1sch:st:s1",
      "b1queues",
      "b1topics",
    ]);
    expect(b.messagePrefix + "m1").toBe(b.message("m1"));
  });
});
