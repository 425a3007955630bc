/**
 * The `[triggers] crons` of a `wrangler.toml`: render it for a set of schedules, read it back,
 * and replace it in place. Only that one key is read or written, so no TOML parser is needed.
 * @module
 */
import { triggerCron, wranglerCrons } from "./cloudflare-crons.ts";
import type { Schedule } from "./schedule.ts";

/** The `[triggers]` block for `schedules`, with a comment naming what each line fires. */
export function renderTriggers(schedules: readonly Schedule[], from = Date.now()): string {
  const crons = wranglerCrons(schedules, from);
  const notes = crons.map((line) => {
    const who = schedules.filter((s) => triggerCron(s, from) === line).map((s) => `${s.name} (${s.cron}${s.tz === "UTC" ? "" : ` ${s.tz}`})`);
    return `#   "${line}": ${who.join(", ")}`;
  });
  return [
    "# Cloudflare fires crons in UTC; the scheduled handler publishes the schedules due at each event.",
    ...notes,
    "[triggers]",
    `crons = ${formatCrons(crons)}`,
    "",
  ].join("\n");
}

/** `crons = [...]` value text. */
export function formatCrons(crons: readonly string[]): string {
  return `[${crons.map((c) => JSON.stringify(c)).join(", ")}]`;
}

/** Where the `crons` key of the `[triggers]` table sits in `toml`, or undefined. */
function locate(toml: string): { start: number; end: number; value: string } | undefined {
  const table = /^\[triggers\][^\S\n]*(?:#.*)?$/m.exec(toml);
  if (!table) return undefined;
  const bodyStart = table.index + table[0].length;
  const nextTable = /^\s*\[/m.exec(toml.slice(bodyStart));
  const body = toml.slice(bodyStart, nextTable ? bodyStart + nextTable.index : toml.length);
  const key = /^[^\S\n]*crons[^\S\n]*=[^\S\n]*\[([\s\S]*?)\]/m.exec(body);
  if (!key) return undefined;
  return { start: bodyStart + key.index, end: bodyStart + key.index + key[0].length, value: key[1] };
}

/** The `[triggers] crons` strings of `toml`; undefined when the key is absent. */
export function readCrons(toml: string): string[] | undefined {
  const found = locate(toml);
  if (!found) return undefined;
  const withoutComments = found.value.replace(/#.*$/gm, "");
  return [...withoutComments.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'/g)].map((m) => (m[1] !== undefined ? JSON.parse(`"${m[1]}"`) as string : m[2]));
}

/** `toml` with its `[triggers] crons` set to `crons` (the table is appended when missing). */
export function writeCrons(toml: string, crons: readonly string[]): string {
  const found = locate(toml);
  const line = `crons = ${formatCrons(crons)}`;
  if (found) return `${toml.slice(0, found.start)}${line}${toml.slice(found.end)}`;
  if (/^\[triggers\]/m.test(toml)) return toml.replace(/^\[triggers\][^\n]*$/m, (t) => `${t}\n${line}`);
  return `${toml.replace(/\n*$/, "\n")}\n[triggers]\n${line}\n`;
}

/** True when `toml` lists exactly the crons `schedules` need (order and duplicates ignored). */
export function cronsMatch(toml: string, schedules: readonly Schedule[], from = Date.now()): { ok: boolean; expected: string[]; found: string[] | undefined } {
  const expected = wranglerCrons(schedules, from);
  const found = readCrons(toml);
  const normalize = (xs: readonly string[]) => [...new Set(xs.map((x) => x.trim().replace(/\s+/g, " ")))].sort();
  const ok = found !== undefined ? JSON.stringify(normalize(found)) === JSON.stringify(expected) : expected.length === 0;
  return { ok, expected, found };
}
