/**
 * claim-due: give expired leases back to the due index, then move up to `max` due messages into
 * the lease index and return them.
 *
 * KEYS[1] due ZSET (score = due ms)   KEYS[2] lease ZSET (score = lease expiry ms)
 * ARGV[1] now ms   ARGV[2] max   ARGV[3] lease-until ms   ARGV[4] message-hash key prefix
 * Returns a flat array: id, meta, body, id, meta, body, … (binary safe).
 * @module
 */
import { LuaScript } from "../../../backend/redis/scripts/script.ts";

export const claimDueScript = new LuaScript(
  "claim-due",
  `
local now = tonumber(ARGV[1])
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 1000)
for _, id in ipairs(expired) do
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZADD', KEYS[1], now, id)
end
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  local fields = redis.call('HMGET', ARGV[4] .. id, 'meta', 'body')
  if fields[1] then
    redis.call('ZADD', KEYS[2], ARGV[3], id)
    table.insert(out, id)
    table.insert(out, fields[1])
    table.insert(out, fields[2] or '')
  end
end
return out
`,
);
