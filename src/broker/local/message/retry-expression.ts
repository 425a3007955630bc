/**
 * `Upstash-Retry-Delay` expressions: a tiny safe evaluator (no `eval`). Grammar: numbers, the
 * variable `retried`, `+ - * /`, unary minus, parentheses, and the functions
 * `pow sqrt abs exp floor ceil round min max`. The result is a delay in milliseconds.
 * @module
 */

type Node = (retried: number) => number;

const FUNCTIONS: Record<string, { arity: [number, number]; fn: (...a: number[]) => number }> = {
  pow: { arity: [2, 2], fn: Math.pow },
  sqrt: { arity: [1, 1], fn: Math.sqrt },
  abs: { arity: [1, 1], fn: Math.abs },
  exp: { arity: [1, 1], fn: Math.exp },
  floor: { arity: [1, 1], fn: Math.floor },
  ceil: { arity: [1, 1], fn: Math.ceil },
  round: { arity: [1, 1], fn: Math.round },
  min: { arity: [1, 64], fn: Math.min },
  max: { arity: [1, 64], fn: Math.max },
};

const TOKEN = /\s*(?:(\d+(?:\.\d*)?|\.\d+)|([A-Za-z_][A-Za-z0-9_]*)|(.))/y;

class Parser {
  readonly #tokens: string[] = [];
  #i = 0;
  constructor(readonly source: string) {
    TOKEN.lastIndex = 0;
    const text = source.trim();
    let m: RegExpExecArray | null;
    while (TOKEN.lastIndex < text.length && (m = TOKEN.exec(text))) this.#tokens.push(m[0].trim());
  }
  #fail(why: string): never {
    throw new SyntaxError(`Invalid Upstash-Retry-Delay "${this.source}": ${why}. Use numbers, retried, + - * /, parentheses and pow sqrt abs exp floor ceil round min max.`);
  }
  #peek(): string | undefined {
    return this.#tokens[this.#i];
  }
  #take(expected?: string): string {
    const t = this.#tokens[this.#i];
    if (t === undefined) this.#fail(expected ? `expected "${expected}" at the end` : "unexpected end");
    if (expected !== undefined && t !== expected) this.#fail(`expected "${expected}", found "${t}"`);
    this.#i++;
    return t;
  }
  parse(): Node {
    if (this.#tokens.length === 0) this.#fail("empty expression");
    const node = this.#sum();
    if (this.#i < this.#tokens.length) this.#fail(`unexpected "${this.#peek()}"`);
    return node;
  }
  #sum(): Node {
    let left = this.#product();
    for (let op = this.#peek(); op === "+" || op === "-"; op = this.#peek()) {
      this.#i++;
      const a = left;
      const b = this.#product();
      left = op === "+" ? (r) => a(r) + b(r) : (r) => a(r) - b(r);
    }
    return left;
  }
  #product(): Node {
    let left = this.#unary();
    for (let op = this.#peek(); op === "*" || op === "/"; op = this.#peek()) {
      this.#i++;
      const a = left;
      const b = this.#unary();
      left = op === "*" ? (r) => a(r) * b(r) : (r) => a(r) / b(r);
    }
    return left;
  }
  #unary(): Node {
    if (this.#peek() === "-") {
      this.#i++;
      const a = this.#unary();
      return (r) => -a(r);
    }
    if (this.#peek() === "+") this.#i++;
    return this.#primary();
  }
  #primary(): Node {
    const t = this.#take();
    if (t === "(") {
      const inner = this.#sum();
      this.#take(")");
      return inner;
    }
    if (/^[\d.]/.test(t)) {
      const n = Number(t);
      return () => n;
    }
    if (t === "retried") return (r) => r;
    const f = FUNCTIONS[t];
    if (!f) this.#fail(`unknown name "${t}"`);
    this.#take("(");
    const args: Node[] = [this.#sum()];
    while (this.#peek() === ",") {
      this.#i++;
      args.push(this.#sum());
    }
    this.#take(")");
    if (args.length < f.arity[0] || args.length > f.arity[1]) this.#fail(`${t} takes ${f.arity[0] === f.arity[1] ? f.arity[0] : `${f.arity[0]}+`} argument(s)`);
    return (r) => f.fn(...args.map((a) => a(r)));
  }
}

const cache = new Map<string, Node>();

/** Compile an expression (cached); throws `SyntaxError` with a clear message when it is invalid. */
export function compileRetryExpression(source: string): Node {
  let node = cache.get(source);
  if (!node) {
    node = new Parser(source).parse();
    if (cache.size > 1000) cache.clear();
    cache.set(source, node);
  }
  return node;
}

/** Evaluate `source` with `retried` (0 for the first retry): milliseconds, never negative. */
export function evaluateRetryExpression(source: string, retried: number): number {
  const v = compileRetryExpression(source)(retried);
  return Number.isFinite(v) && v > 0 ? v : 0;
}
