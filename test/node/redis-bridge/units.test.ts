/** The bridge's argument coercion, refusals and reply rendering, without Redis. */
import { ErrorReply } from "redis";
import { describe, expect, it } from "vitest";
import { checkCommand } from "../../../src/node/redis-bridge/command.ts";
import { itemsJson, replyJson, resultJson } from "../../../src/node/redis-bridge/reply.ts";

const buf = (text: string) => Buffer.from(text, "utf8");
const b64 = (text: string) => buf(text).toString("base64");

describe("checkCommand", () => {
  it("coerces numbers, booleans and null in place", () => {
    const command: unknown[] = ["set", "k", 1.5, true, false, null, -0, 12];
    expect(checkCommand(command)).toBeUndefined();
    expect(command).toEqual(["set", "k", "1.5", "true", "false", "", "0", "12"]);
  });

  it("rejects objects, nested arrays, empty commands and non-arrays with a reason", () => {
    expect(checkCommand(["set", "k", { a: 1 }])).toMatch(/argument 2 of SET is an object.*JSON.stringify/);
    expect(checkCommand(["set", "k", ["a"]])).toMatch(/argument 2 of SET is an array/);
    expect(checkCommand([])).toMatch(/empty command/);
    expect(checkCommand("PING")).toMatch(/must be a JSON array/);
  });

  it("refuses blocking, Pub/Sub, transaction and connection commands in any case", () => {
    expect(checkCommand(["blpop", "q", 0])).toMatch(/^ERR BLPOP is not supported .*non-blocking form/);
    expect(checkCommand(["BzPopMin", "z", 1])).toMatch(/BZPOPMIN is not supported/);
    expect(checkCommand(["subscribe", "c"])).toMatch(/Pub\/Sub/);
    expect(checkCommand(["exec"])).toMatch(/\/multi-exec/);
    expect(checkCommand(["select", 2])).toMatch(/connection/);
    expect(checkCommand(["publish", "c", "m"])).toBeUndefined();
  });

  it("refuses XREAD only with BLOCK among its options, not a stream key named block", () => {
    expect(checkCommand(["xread", "count", 1, "block", 10, "streams", "s", "$"])).toMatch(/XREAD with BLOCK/);
    expect(checkCommand(["xreadgroup", "group", "g", "c", "BLOCK", 0, "streams", "s", ">"])).toMatch(/XREADGROUP with BLOCK/);
    expect(checkCommand(["xread", "streams", "block", "0"])).toBeUndefined();
  });
});

describe("reply rendering", () => {
  it("keeps only a top-level OK raw under base64", () => {
    expect(resultJson(buf("OK"), true)).toBe('{"result":"OK"}');
    expect(resultJson([buf("OK")], true)).toBe(`{"result":["${b64("OK")}"]}`);
    expect(resultJson(buf("PONG"), true)).toBe(`{"result":"${b64("PONG")}"}`);
  });

  it("renders integers from their text, nil as null, and nests arrays", () => {
    expect(replyJson(["12", "-3", null, [buf("a"), []]], false, true)).toBe('[12,-3,null,["a",[]]]');
    expect(replyJson("18446744073709551615", true, true)).toBe("18446744073709551615");
  });

  it("turns invalid UTF-8 into U+FFFD when not encoding, and keeps the bytes when encoding", () => {
    const bytes = Buffer.from([0xff, 0x61]);
    expect(JSON.parse(replyJson(bytes, false, true))).toBe("\uFFFDa");
    expect(JSON.parse(replyJson(bytes, true, true))).toBe(bytes.toString("base64"));
  });

  it("renders errors as {error} items, unencoded, and nested errors as their text", () => {
    const replies = [buf("x"), new ErrorReply("ERR boom"), [new ErrorReply("ERR nested")]];
    expect(JSON.parse(itemsJson(replies, true))).toEqual([
      { result: b64("x") },
      { error: "ERR boom" },
      { result: [b64("ERR nested")] },
    ]);
  });

  it("never emits a JSON object, even for RESP3 maps", () => {
    const map = new Map<unknown, unknown>([[buf("f"), buf("v")], [buf("n"), "1"]]);
    expect(replyJson(map, false, true)).toBe('["f","v","n",1]');
  });
});
