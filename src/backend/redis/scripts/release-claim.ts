/**
 * release-claim: delete an attempt's claim only if the given token holds it.
 *
 * KEYS[1]  claim key (`celeriac:claim:<id>:<retries>`), value `"<leaseDeadlineMs> <token>"`
 * ARGV[1]  token
 *
 * Returns `{calls, released}`: released is 1 when the claim was deleted, 0 when it was absent
 * or held by another token.
 *
 * redis.calls (billed, on top of the EVALSHA): 2 when released (GET, DEL), else 1 (GET).
 * @module
 */
import { LuaScript } from "./script.ts";

export const releaseClaimScript = new LuaScript(
  "release-claim",
  `
local value = redis.call('GET', KEYS[1])
if value and string.match(value, '^%d+ (.*)$') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return {2, 1}
end
return {1, 0}
`,
);
