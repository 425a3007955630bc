/**
 * release-lock: compare-and-delete. Delete a lock only if it still holds the caller's token,
 * so a run whose lock expired (and was taken by another run) cannot release the new holder's.
 *
 * KEYS[1]  lock key (`celeriac:lock:<key>`), value: the holder's token
 * ARGV[1]  token
 *
 * Returns `{calls, released}`: released is 1 when deleted, 0 when absent or held by another token.
 *
 * redis.calls (billed, on top of the EVALSHA): 2 when released (GET, DEL), else 1 (GET).
 * @module
 */
import { LuaScript } from "./script.ts";

export const releaseLockScript = new LuaScript(
  "release-lock",
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return {2, 1}
end
return {1, 0}
`,
);
