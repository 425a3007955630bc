/**
 * insert-record: store a record (metadata + raw body) and index it in a sorted set. Used for
 * messages (indexed by due time) and DLQ entries (indexed by failure time).
 *
 * KEYS[1] the record HASH   KEYS[2] the index ZSET
 * ARGV[1] meta JSON   ARGV[2] body bytes   ARGV[3] score   ARGV[4] member (the id)
 * Returns 1.
 * @module
 */
import { LuaScript } from "../../../backend/redis/scripts/script.ts";

export const insertRecordScript = new LuaScript(
  "insert-record",
  `
redis.call('HSET', KEYS[1], 'meta', ARGV[1], 'body', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
return 1
`,
);
