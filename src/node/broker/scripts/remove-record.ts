/**
 * remove-record: delete a record and its index entry (DLQ entries).
 *
 * KEYS[1] the record HASH   KEYS[2] the index ZSET   ARGV[1] member (the id)
 * Returns 1 when the entry existed, else 0.
 * @module
 */
import { LuaScript } from "../../../backend/redis/scripts/script.ts";

export const removeRecordScript = new LuaScript(
  "remove-record",
  `
redis.call('DEL', KEYS[1])
return redis.call('ZREM', KEYS[2], ARGV[1])
`,
);
