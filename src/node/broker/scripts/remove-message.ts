/**
 * remove-message: delete a message wherever it is (pending, leased) and return it.
 *
 * KEYS[1] due ZSET   KEYS[2] lease ZSET   KEYS[3] the message HASH
 * ARGV[1] id
 * Returns {meta, body}, or false when unknown.
 * @module
 */
import { LuaScript } from "../../../backend/redis/scripts/script.ts";

export const removeMessageScript = new LuaScript(
  "remove-message",
  `
local fields = redis.call('HMGET', KEYS[3], 'meta', 'body')
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if not fields[1] then return false end
redis.call('DEL', KEYS[3])
return {fields[1], fields[2] or ''}
`,
);
