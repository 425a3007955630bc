/**
 * Parse a 5-field cron pattern and walk its wall-clock times, with no time zone involved (`CronClock`
 * in `cron.ts` maps wall times to instants). Hand-written instead of croner for a measured
 * reason: croner was 10 KB of the 45 KB gzip Workers budget (`npx tsx bench/bundle.ts`, runtime
 * with one schedule 55.7 KB with croner); this module and `cron.ts` are about 2 KB. The syntax is
 * standard cron as croner reads it in 5-part mode: `*`, `?`, numbers, `a-b`, `*` or `a-b` with
 * `/step`, lists, month and weekday names, weekday 7 = Sunday, `L` (last day of the month) in
 * day-of-month; day-of-month OR weekday when both are restricted (Vixie). croner's extensions
 * `W`, `LW`, `#`, `5L` and `+` are refused with a clear message. `test/schedule/cron-equivalence.test.ts`
 * checks against croner (a dev dependency) that both accept the same patterns and give the same ticks.
 * @module
 */

/** A parsed pattern: one flag per allowed value. */
export interface CronFields {
  minute: boolean[];
  hour: boolean[];
  /** Index 1..31. */
  dom: boolean[];
  /** Index 1..12. */
  month: boolean[];
  /** Index 0..6, Sunday 0. */
  dow: boolean[];
  lastDom: boolean;
  /** Day-of-month and weekday are both restricted: a day matches either (else both). */
  either: boolean;
  /** One minute and one hour, written without `*` or `/`: runs once a day (DST: moved out of a gap, once in an overlap). */
  fixed: boolean;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/** Parse a 5-field pattern (already normalized: single spaces); throws `Error` saying what is wrong. */
export function parseCronFields(pattern: string): CronFields {
  const parts = pattern.replace(/\?/g, "*").split(" ");
  if (parts.length !== 5) throw new Error("exactly 5 fields are required");
  const [mi, h, dm, mo, dw] = parts;
  const domItems = dm.split(",");
  const lastDom = domItems.some((i) => i.toUpperCase() === "L");
  const dom = field(domItems.filter((i) => i.toUpperCase() !== "L").join(",") || (lastDom ? "" : dm), 1, 31, "day-of-month");
  const fields: CronFields = {
    minute: field(mi, 0, 59, "minute"),
    hour: field(h, 0, 23, "hour"),
    dom,
    month: field(names(mo, MONTHS, 1), 1, 12, "month"),
    dow: field(names(dw, DAYS, 0), 0, 7, "weekday"),
    lastDom,
    either: dm !== "*" && dw !== "*",
    fixed: false,
  };
  fields.dow[0] ||= fields.dow[7];
  fields.dow.length = 7;
  const single = (text: string, set: boolean[]) => !/[*/]/.test(text) && set.filter(Boolean).length === 1;
  fields.fixed = single(mi, fields.minute) && single(h, fields.hour);
  return fields;
}

function names(text: string, list: string[], first: number): string {
  return text.replace(/[a-z]+/gi, (word, at: number) => {
    const i = list.indexOf(word.toLowerCase());
    if (word.length !== 3 || i < 0) throw new Error(`unknown name "${word}" in "${text}"${/^[lw]/i.test(word) ? " (croner's W, L and # extensions are not supported)" : ""}`);
    // "FRI-SUN" is 5-7, as croner reads it.
    return String(i === 0 && first === 0 && text[at - 1] === "-" ? 7 : i + first);
  });
}

function field(text: string, min: number, max: number, what: string): boolean[] {
  const set: boolean[] = new Array(max + 1).fill(false);
  if (text === "") return set;
  for (const item of text.split(",")) {
    const m = /^(?:(\*)|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(item);
    if (!m) throw new Error(`${what} "${item}" is not a number, range, list or step (croner's W, L, # and + extensions are not supported)`);
    const [, star, a, b, s] = m;
    if (!star && s !== undefined && b === undefined) throw new Error(`${what} "${item}": a step needs * or a range before it (*/${s} or a-b/${s})`);
    const from = star ? min : Number(a);
    const to = star ? max : b === undefined ? from : Number(b);
    const step = s === undefined ? 1 : Number(s);
    if (from > to) throw new Error(`${what} "${item}": the range runs backwards`);
    const size = what === "weekday" ? 7 : max - min + 1;
    if (step < 1 || step > size) throw new Error(`${what} "${item}": the step must be 1-${size}`);
    for (let v = from; v <= to; v += step) {
      // Only the values a step reaches must exist (croner reads "31-32/4" as 31).
      if (v < min || v > max) throw new Error(`${what} "${item}": ${v} is outside ${min}-${max}`);
      set[v] = true;
    }
  }
  return set;
}

const MINUTE = 60_000;

/** True when the wall day (UTC fields of `wall`) matches day-of-month, month and weekday. */
function dayMatches(f: CronFields, d: Date): boolean {
  const day = d.getUTCDate();
  const last = f.lastDom && day === new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  const dom = f.dom[day] || last;
  const dow = f.dow[d.getUTCDay()];
  return f.either ? dom || dow : dom && dow;
}

/**
 * The first matching wall minute strictly after `wall` (wall-clock fields read as UTC), or
 * undefined when none comes within 30 years (a pattern such as `0 0 30 2 *` never matches).
 */
export function nextWallMinute(f: CronFields, wall: number): number | undefined {
  let t = Math.floor(wall / MINUTE) * MINUTE + MINUTE;
  const end = t + 30 * 366 * 86_400_000;
  while (t < end) {
    const d = new Date(t);
    const y = d.getUTCFullYear();
    const mo = d.getUTCMonth();
    const day = d.getUTCDate();
    const h = d.getUTCHours();
    if (!f.month[mo + 1]) t = Date.UTC(y, mo + 1, 1);
    else if (!dayMatches(f, d)) t = Date.UTC(y, mo, day + 1);
    else if (!f.hour[h]) t = Date.UTC(y, mo, day, h + 1);
    else if (!f.minute[d.getUTCMinutes()]) t += MINUTE;
    else return t;
  }
  return undefined;
}
