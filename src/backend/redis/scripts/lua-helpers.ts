/**
 * Lua snippets shared by several scripts, built from `states.ts` so state strings have one home.
 * Each script interpolates what it needs; the snippet is part of that script's source (and SHA).
 * @module
 */
import { READY_STATES, SUCCESS } from "../../../states.ts";
import { CLOSED_MARK } from "../../../keys.ts";

/** `statusOf(text)`: the top-level `status` of a stored meta JSON, or nil when unreadable. */
export const LUA_STATUS_OF = `
local function statusOf(text)
  if not text then return nil end
  local ok, decoded = pcall(cjson.decode, text)
  if ok and type(decoded) == 'table' then return decoded['status'] end
  return nil
end`;

/** `READY[state]` is true for SUCCESS, FAILURE and REVOKED. */
export const LUA_READY = `
local READY = {${[...READY_STATES].map((s) => `[${luaString(s)}] = true`).join(", ")}}`;

/**
 * `writeMeta(key, meta, status, ttl, publish)`: store `meta` (whose status is `status`) with
 * Celery's precedence — a stored SUCCESS stays, a READY state is never replaced by a non-ready
 * one — in one `SET … PX … GET`, putting the old value back (second SET) when it must stay.
 * PUBLISHes `meta` on the key's channel when `publish` is `'1'` and it was stored.
 * Returns `calls, stored` (stored 1 or 0). Needs {@link LUA_STATUS_OF} and {@link LUA_READY}.
 */
export const LUA_WRITE_META = `
local function writeMeta(key, meta, status, ttl, publish)
  local old = redis.call('SET', key, meta, 'PX', ttl, 'GET')
  if old then
    local was = statusOf(old)
    if was == ${luaString(SUCCESS)} or (was and READY[was] and not READY[status]) then
      redis.call('SET', key, old, 'PX', ttl)
      return 2, 0
    end
  end
  if publish == '1' then
    redis.call('PUBLISH', key, meta)
    return 2, 1
  end
  return 1, 1
end`;

/**
 * `holderOf(claim)`: the deadline (ms, number) and the holder token of a claim value
 * (`"<deadline> <token>"`, keys.ts), or `0, false` when there is no claim. A closed claim's
 * token starts with {@link LUA_CLOSED_MARK}, so it matches no attempt's token.
 */
export const LUA_HOLDER_OF = `
local function holderOf(claim)
  if not claim then return 0, false end
  local deadline, holder = string.match(claim, '^(%d+) (.*)$')
  return tonumber(deadline) or 0, holder or ''
end`;

/**
 * `fence(claimKey, revokedKey, claimant, close)`: an attempt's write goes through only while
 * `claimant` holds the claim and the task is not revoked. Reads both keys in one MGET; with close
 * '1' it also marks the claim closed (the attempt's last write). Returns the billed calls so far and
 * a refusal code (3 not the holder, 4 revoked) or nil. Needs LUA_HOLDER_OF before it.
 */
export const LUA_FENCE = `
local function fence(claimKey, revokedKey, claimant, close)
  local found = redis.call('MGET', claimKey, revokedKey)
  local deadline, holder = holderOf(found[1])
  if holder ~= claimant then return 1, 3 end
  local calls = 1
  if close == '1' then
    redis.call('SET', claimKey, string.format('%d %s%s', deadline, ${luaString(CLOSED_MARK)}, holder), 'KEEPTTL')
    calls = 2
  end
  if found[2] then return calls, 4 end
  return calls, nil
end`;

/** A Lua string literal for `s` (used to inline constants such as state names). */
export function luaString(s: string): string {
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}
