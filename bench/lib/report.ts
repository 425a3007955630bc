/**
 * Results of a benchmark run: one record per measurement (printed as a JSON line), summaries
 * (median, min–max over repetitions), ratios celeriac ÷ peer computed repetition by repetition,
 * the issue's targets, and the table.
 * @module
 */
import { round, type Spread, spread } from "./stats.ts";

/** What is measured. */
export type Measurement = "throughput" | "throughput-ignore-result" | "latency" | "latency-polling";

/** One measurement of one system in one repetition. */
export interface MeasurementRecord {
  type: "measurement";
  system: string;
  measurement: Measurement;
  rep: number;
  /** Tasks in the measurement. */
  tasks: number;
  seconds: number;
  /** Throughput measurements: tasks per second. */
  tasksPerSec?: number;
  /** Latency measurements, ms. */
  p50?: number;
  p90?: number;
  p99?: number;
  /** Billed Redis commands in the window (INFO commandstats delta) and per task. */
  billed: number;
  billedPerTask: number;
  billedByCommand: Record<string, number>;
  /** celeriac: its own count (`backend.commands`, client + worker) for the same window. */
  counter?: number;
  counterPerTask?: number;
  counterByOperation?: Record<string, number>;
  /** celeriac: counter === commandstats. */
  countsAgree?: boolean;
  /** Clients on other databases active during the window (their traffic may be in `billed`). */
  otherClientsActive: number;
  /** Connections Redis accepted during the window (0 when nobody connected). */
  newConnections: number;
  /** How many times this measurement ran: windows showing other traffic are run again (`--retries`). */
  attempts: number;
  /** True when even the last attempt showed signs of other traffic. */
  disturbed: boolean;
}

/** The value a summary takes from a record, by row. */
export const ROWS: { key: string; label: string; measurement: Measurement; value: (r: MeasurementRecord) => number | undefined; digits: number; better: "higher" | "lower" }[] = [
  { key: "tps", label: "tasks/s, with results", measurement: "throughput", value: (r) => r.tasksPerSec, digits: 0, better: "higher" },
  { key: "tps-ignore", label: "tasks/s, ignoreResult", measurement: "throughput-ignore-result", value: (r) => r.tasksPerSec, digits: 0, better: "higher" },
  { key: "p50", label: "round trip p50, ms", measurement: "latency", value: (r) => r.p50, digits: 2, better: "lower" },
  { key: "p90", label: "round trip p90, ms", measurement: "latency", value: (r) => r.p90, digits: 2, better: "lower" },
  { key: "p99", label: "round trip p99, ms", measurement: "latency", value: (r) => r.p99, digits: 2, better: "lower" },
  { key: "p50-polling", label: "round trip p50, get({ listen: false }): polling only", measurement: "latency-polling", value: (r) => r.p50, digits: 2, better: "lower" },
  { key: "billed", label: "billed cmds/task, with results", measurement: "throughput", value: (r) => r.billedPerTask, digits: 2, better: "lower" },
  { key: "billed-ignore", label: "billed cmds/task, ignoreResult", measurement: "throughput-ignore-result", value: (r) => r.billedPerTask, digits: 2, better: "lower" },
  { key: "billed-latency", label: "billed cmds/round trip (latency)", measurement: "latency", value: (r) => r.billedPerTask, digits: 2, better: "lower" },
  { key: "counter", label: "celeriac counter cmds/task, with results", measurement: "throughput", value: (r) => r.counterPerTask, digits: 2, better: "lower" },
  { key: "counter-ignore", label: "celeriac counter cmds/task, ignoreResult", measurement: "throughput-ignore-result", value: (r) => r.counterPerTask, digits: 2, better: "lower" },
];

/** Values of `row` for `system`, by repetition. */
function valuesByRep(records: MeasurementRecord[], system: string, row: (typeof ROWS)[number]): Map<number, number> {
  const out = new Map<number, number>();
  for (const r of records) {
    if (r.system !== system || r.measurement !== row.measurement) continue;
    const v = row.value(r);
    if (v !== undefined) out.set(r.rep, v);
  }
  return out;
}

/** Median and min–max of one row for one system, or undefined when not measured. */
export function summary(records: MeasurementRecord[], system: string, rowKey: string): Spread | undefined {
  const row = ROWS.find((r) => r.key === rowKey)!;
  const v = [...valuesByRep(records, system, row).values()];
  return v.length ? spread(v) : undefined;
}

/** `mine` ÷ `peer` for one row, computed per repetition (rep i with rep i), then summarized. */
export function ratio(records: MeasurementRecord[], mine: string, peer: string, rowKey: string): (Spread & { reps: number }) | undefined {
  const row = ROWS.find((r) => r.key === rowKey)!;
  const ours = valuesByRep(records, mine, row);
  const theirs = valuesByRep(records, peer, row);
  const ratios: number[] = [];
  for (const [rep, v] of ours) {
    const w = theirs.get(rep);
    if (w !== undefined && w !== 0) ratios.push(v / w);
  }
  return ratios.length ? { ...spread(ratios), reps: ratios.length } : undefined;
}

/** One of the issue's targets, evaluated on the median per-repetition ratio. */
export interface TargetRecord {
  type: "target";
  /** The celeriac variant evaluated. */
  system: string;
  target: string;
  met: boolean | null;
  /** The median ratio celeriac ÷ peer and its min–max. */
  ratio?: Spread;
  /** The ratio the target asks for. */
  required: number;
  /** How far off: for "at least" targets, ratio ÷ required; for "at most", required ÷ ratio (1 = exactly met). */
  attainment?: number;
  note: string;
  /**
   * True for a reading that is not one of the issue's targets as the benchmark judges them: the
   * BullMQ-HTTP target with Node's `fetch` in BullMQ-HTTP's worker (the judged one gives both
   * designs celeriac's delivery client). Printed apart, for the owner's choice of baseline.
   */
  informational?: boolean;
}

const TARGETS: { target: string; peer: string; row: string; kind: "atLeast" | "atMost"; required: number; informational?: boolean }[] = [
  { target: "throughput with results ≥ 5 × Celery", peer: "celery", row: "tps", kind: "atLeast", required: 5 },
  { target: "throughput with results ≥ 1.5 × BullMQ with HTTP handler", peer: "bullmq-http", row: "tps", kind: "atLeast", required: 1.5 },
  { target: "round-trip p50 ≤ Celery's (get() defaults)", peer: "celery", row: "p50", kind: "atMost", required: 1 },
  { target: "billed commands per task with result ≤ ½ × Celery's", peer: "celery", row: "billed", kind: "atMost", required: 0.5 },
  { target: "stretch: throughput with results ≥ plain BullMQ", peer: "bullmq", row: "tps", kind: "atLeast", required: 1 },
  { target: "throughput with results ≥ 1.5 × BullMQ with HTTP handler called with Node's fetch", peer: "bullmq-http-fetch", row: "tps", kind: "atLeast", required: 1.5, informational: true },
];

/** Evaluate the issue's targets on this run's ratios, for `mine` (`celeriac`, or the comparison row `celeriac-official`). */
export function targets(records: MeasurementRecord[], mine = "celeriac"): TargetRecord[] {
  return TARGETS.map((t) => {
    const r = ratio(records, mine, t.peer, t.row);
    const info = t.informational ? { informational: true } : {};
    if (!r) return { type: "target", system: mine, target: t.target, met: null, required: t.required, note: `not measured (run ${mine} and ${t.peer})`, ...info };
    const met = t.kind === "atLeast" ? r.median >= t.required : r.median <= t.required;
    const attainment = t.kind === "atLeast" ? r.median / t.required : t.required / r.median;
    const note = met
      ? `met: ${mine} ÷ ${t.peer} = ${fmt(r.median, 2)} (reps ${fmt(r.min, 2)}–${fmt(r.max, 2)})`
      : t.kind === "atLeast"
        ? `missed: ratio ${fmt(r.median, 2)} of the required ${t.required}, i.e. ${fmt(attainment * 100, 0)}% of the target (${fmt(t.required / r.median, 1)}× short)`
        : `missed: ratio ${fmt(r.median, 2)} where at most ${t.required} is required (${fmt(r.median / t.required, 1)}× over)`;
    return { type: "target", system: mine, target: t.target, met, ratio: r, required: t.required, attainment, note, ...info };
  });
}

function fmt(v: number, digits: number): string {
  return v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function cell(s: Spread | undefined, digits: number): string {
  if (!s) return "—";
  if (s.min === s.max) return fmt(s.median, digits);
  return `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** The side-by-side table, the ratio table and the targets, as text. */
export function formatReport(records: MeasurementRecord[], systems: string[]): string {
  const out: string[] = [];
  const rows = ROWS.filter((row) => systems.some((s) => summary(records, s, row.key)));
  out.push(table(["median (min–max) over reps", ...systems], rows.map((row) => [row.label, ...systems.map((s) => cell(summary(records, s, row.key), row.digits))])));
  const checked = records.filter((r) => r.countsAgree !== undefined);
  if (checked.length) {
    const differ = checked.filter((r) => !r.countsAgree);
    out.push(`celeriac's counter (backend.commands) = INFO commandstats in ${checked.length - differ.length} of ${checked.length} measurements` +
      (differ.length ? `; differing: ${differ.map((r) => `${r.system} ${r.measurement} rep ${r.rep} (${r.counter} vs ${r.billed}${r.otherClientsActive ? `, ${r.otherClientsActive} other clients active` : ""})`).join(", ")}` : ""));
  }
  const retried = records.filter((r) => r.attempts > 1);
  if (retried.length) out.push(`${retried.length} measurements were run again because other Redis traffic showed up in their window (attempts in the JSON lines)`);
  const busy = records.filter((r) => r.disturbed);
  if (busy.length) out.push(`${busy.length} measurements still saw other Redis traffic on their last attempt (disturbed: true): ${busy.map((r) => `${r.system} ${r.measurement} rep ${r.rep}`).join(", ")}`);
  const peers = systems.filter((s) => !s.startsWith("celeriac"));
  for (const mine of systems.filter((s) => s.startsWith("celeriac"))) {
    if (!peers.length) break;
    const ratioRows = ROWS.filter((row) => !row.key.startsWith("counter") && row.key !== "p50-polling" && peers.some((p) => ratio(records, mine, p, row.key)));
    out.push("");
    out.push(table(
      [`${mine} ÷ peer, per rep: median (min–max)`, ...peers.map((p) => `vs ${p}`)],
      ratioRows.map((row) => [`${row.label} (${row.better} is better)`, ...peers.map((p) => cell(ratio(records, mine, p, row.key), 2))]),
    ));
    out.push("");
    out.push(mine === "celeriac"
      ? "targets (issue 8) for celeriac, on the median per-rep ratio:"
      : `the same targets for ${mine} (for comparison: the official clients on Node's fetch, OFFICIAL_PARTS):`);
    const all = targets(records, mine);
    const mark = (t: TargetRecord) => `  [${t.met === null ? " ? " : t.met ? "met" : "MISS"}] ${t.target}: ${t.note}`;
    for (const t of all.filter((t) => !t.informational)) out.push(mark(t));
    const info = all.filter((t) => t.informational && t.met !== null);
    if (info.length) {
      out.push("  not judged: the same target with the client an application would write in BullMQ-HTTP's worker (the judged line above gives both designs celeriac's delivery client):");
      for (const t of info) out.push(mark(t));
    }
  }
  return out.join("\n");
}

/** Round a record's floats for printing. */
export function rounded(r: MeasurementRecord): MeasurementRecord {
  return {
    ...r,
    seconds: round(r.seconds, 3),
    ...(r.tasksPerSec !== undefined ? { tasksPerSec: round(r.tasksPerSec, 1) } : {}),
    ...(r.p50 !== undefined ? { p50: round(r.p50, 3), p90: round(r.p90!, 3), p99: round(r.p99!, 3) } : {}),
    billedPerTask: round(r.billedPerTask, 3),
    ...(r.counterPerTask !== undefined ? { counterPerTask: round(r.counterPerTask, 3) } : {}),
  };
}
