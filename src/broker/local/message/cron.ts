/**
 * QStash's `Upstash-Cron` syntax: standard 5 fields evaluated in UTC, with an optional
 * `CRON_TZ=<IANA zone> ` prefix, evaluated by the one cron module (`util/cron.ts`, croner's rules:
 * Vixie semantics, day-of-month OR day-of-week when both are restricted).
 * @module
 */
import { BrokerError, ConfigError } from "../../../errors.ts";
import { UPSTASH_CRON } from "../../../headers.ts";
import { compileCron, type CronClock } from "../../../util/cron.ts";

const cache = new Map<string, CronClock>();

/** Parse and validate; throws `BrokerError` 400 with what is wrong. */
export function parseCron(text: string): CronClock {
  const cron = text.trim();
  const cached = cache.get(cron);
  if (cached) return cached;
  const prefixed = /^CRON_TZ=(\S+)\s+(.*)$/.exec(cron);
  const zone = prefixed ? prefixed[1] : "UTC";
  const pattern = (prefixed ? prefixed[2] : cron).trim().replace(/\s+/g, " ");
  if (pattern.split(" ").length !== 5) {
    throw new BrokerError(`invalid ${UPSTASH_CRON} "${cron}": use 5 fields (minute hour day-of-month month day-of-week), optionally prefixed with CRON_TZ=<zone>`, { status: 400 });
  }
  let clock: CronClock;
  try {
    clock = compileCron(pattern, zone, UPSTASH_CRON);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const detail = error.message.startsWith(`${UPSTASH_CRON}: `) ? error.message.slice(UPSTASH_CRON.length + 2) : error.message;
    throw new BrokerError(`invalid ${UPSTASH_CRON} "${cron}": ${detail}`, { status: 400 });
  }
  if (cache.size > 1000) cache.clear();
  cache.set(cron, clock);
  return clock;
}

/** The first trigger strictly after `afterMs` (ms), or undefined when there is none. */
export function nextCronTime(cron: string, afterMs: number): number | undefined {
  return parseCron(cron).next(afterMs);
}
