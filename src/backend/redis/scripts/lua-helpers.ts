/**
 * Lua snippets shared by several scripts, built from `states.ts` so state strings have one home.
 * Each script interpolates what it needs; the snippet is part of that script's source (and SHA).
 * @module
 */
import { READY_STATES } from "../../../states.ts";

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

/** A Lua string literal for `s` (used to inline constants such as state names). */
export function luaString(s: string): string {
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}
