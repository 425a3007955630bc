/**
 * Vocabulary written outside its home, found in the literals of one source file (comments
 * stripped, strings kept; see literals.ts). The rules, and why each is drawn where it is, are in
 * the header of test/architecture.test.ts, which runs them over src/.
 */
import { type Literal, literals } from "./literals.ts";

/** The home of header names. */
export const HEADERS_HOME = "headers.ts";
/** The home of Redis keys. */
export const KEYS_HOME = "keys.ts";

/** A word that must only be written in its homes. */
export type StateHomes = ReadonlyMap<string, readonly string[]>;

/** What the rules need besides the file: the state words and their homes, and the header rule's exemptions. */
export interface VocabularyRules {
  states: StateHomes;
}

/** Namespaces only keys.ts may spell: celeriac's own keys and Celery's result keys. */
const KEY_NAMESPACE = /celeriac:|celery-task-meta-|celery-taskset-meta-|chord-unlock-/;
/** A file that talks to Redis: imports a client or the script runner, or sends raw commands. */
const TALKS_TO_REDIS = /from\s+["'](?:redis|@upstash\/redis|[./]*(?:backend\/redis\/)?scripts\/script\.ts)["']|\bsendCommand\b|\bevalsha\b/;
/** An interpolated key prefix: `p`, `prefix`, `keyPrefix`, `this.#prefix`, `options.prefix`. */
const PREFIX_HOLE = /(?:^|[.#])(?:p|\w*prefix)$/i;
/** A string joined with `+` into a key: a segment with a colon and no spaces (`"m:"`, `"sch:st:"`). */
const KEY_SEGMENT = /^[\w.-]*:[\w.:-]*$/;

/** `file:line "text"` for a report (a template shown with its holes). */
function where(file: string, l: Literal): string {
  const text = l.parts.map((part, i) => (i < l.holes.length ? `${part}\${${l.holes[i]}}` : part)).join("");
  return `src/${file}:${l.line} ${l.quote}${text}${l.quote}`;
}

/** (a) Literals that start with `Upstash-` (any case) outside headers.ts. */
export function inlineHeaders(file: string, source: string): string[] {
  if (file === HEADERS_HOME) return [];
  return literals(source)
    .filter((l) => /^upstash-/i.test(l.parts[0]!))
    .map((l) => where(file, l));
}

/** (b) Literals exactly equal to a state word outside that word's homes. */
export function inlineStates(file: string, source: string, rules: VocabularyRules): string[] {
  return literals(source)
    .filter((l) => l.parts.length === 1 && rules.states.has(l.parts[0]!) && !rules.states.get(l.parts[0]!)!.includes(file))
    .map((l) => `${where(file, l)} (home: ${rules.states.get(l.parts[0]!)!.map((h) => `src/${h}`).join(", ")})`);
}

/** (c) Redis keys built outside keys.ts: a key namespace anywhere; a prefix joined to a segment in a file that talks to Redis. */
export function inlineKeys(file: string, source: string): string[] {
  if (file === KEYS_HOME) return [];
  const redis = TALKS_TO_REDIS.test(source);
  return literals(source)
    .filter(
      (l) =>
        l.parts.some((part) => KEY_NAMESPACE.test(part)) ||
        (redis && l.quote === "`" && l.parts[0] === "" && l.holes.length > 0 && PREFIX_HOLE.test(l.holes[0]!) && l.parts[1] !== "") ||
        (redis && (l.before === "+" || l.after === "+") && KEY_SEGMENT.test(l.parts.join(""))),
    )
    .map((l) => where(file, l));
}

/** The `export const NAME = "VALUE"` string constants of a home file: its words. */
export function exportedWords(source: string): string[] {
  return [...source.matchAll(/^export const \w+ = "([^"]+)";/gm)].map((m) => m[1]!);
}
