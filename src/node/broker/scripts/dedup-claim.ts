/**
 * dedup-claim: remember a deduplication id for the window unless it is live.
 *
 * KEYS[1] the dedup STRING   ARGV[1] message id   ARGV[2] window ms
 * Returns the live entry's message id, or false when this claim took it.
 * @module
 */
import { LuaScript } from "../../../backend/redis/scripts/script.ts";

export const dedupClaimScript = new LuaScript(
  "dedup-claim",
  `
local existing = redis.call('GET', KEYS[1])
if existing then return existing end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
`,
);
