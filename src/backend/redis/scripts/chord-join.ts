/**
 * chord-join: record one chord header member's outcome; tell exactly one caller that the chord
 * is complete (or that it failed). No polling task (Celery's `chord_unlock`), and no counter a
 * redelivery can move twice: a slot counts only when HSETNX writes it.
 *
 * KEYS[1]  the chord's HASH (`chord-unlock-<chordId>`): field `<index>` → the member's result
 *          JSON, `n` → slots filled (+2^40 once a member failed), `failed` → the first failure
 * ARGV[1]  the member's index
 * ARGV[2]  the header's size
 * ARGV[3]  the result JSON (or the failure JSON)
 * ARGV[4]  TTL, ms (set when the first slot or the failure is written)
 * ARGV[5]  `"1"` when the member failed, else `"0"`
 *
 * Returns `{calls, code, fields?}`: code `"waiting"`, `"duplicate"` (slot already written, chord
 * not complete), `"complete"` + HGETALL's flat field/value list (to the member that filled the
 * last slot, and to any duplicate after that, so a caller that died before publishing the body
 * is covered by its redelivery: the body's publish is deduplicated by its id), `"first-failure"`,
 * `"failed"`.
 *
 * redis.calls (billed, on top of the EVALSHA): a member 2 (HSETNX, HINCRBY), +1 for the first
 * (PEXPIRE), +1 for the last (HGETALL); a duplicate 2 (HSETNX, HGET), +1 once complete; a
 * failure 3 (HSETNX, HINCRBY, PEXPIRE), a later failure 1.
 * @module
 */
import { LuaScript } from "./script.ts";

export const chordJoinScript = new LuaScript(
  "chord-join",
  `local size = tonumber(ARGV[2])
if ARGV[5] == '1' then
  if redis.call('HSETNX', KEYS[1], 'failed', ARGV[3]) == 0 then return {1, 'failed'} end
  redis.call('HINCRBY', KEYS[1], 'n', 1099511627776)
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return {3, 'first-failure'}
end
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[3]) == 0 then
  if tonumber(redis.call('HGET', KEYS[1], 'n')) == size then return {3, 'complete', redis.call('HGETALL', KEYS[1])} end
  return {2, 'duplicate'}
end
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
local calls = 2
if n == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  calls = 3
end
if n == size then return {calls + 1, 'complete', redis.call('HGETALL', KEYS[1])} end
return {calls, 'waiting'}
`,
);
