/**
 * The string and template literals of a TypeScript source, comments stripped: a small lexer that
 * knows strings, templates (nested through `${…}`), comments and regular-expression literals,
 * enough to read src/ without a compiler. Used by test/architecture.test.ts to find vocabulary
 * (headers, states, keys) written outside its home.
 */

/** One literal: where it starts and its raw text (a template's text between its `${…}` holes). */
export interface Literal {
  /** 1-based line of the opening quote. */
  line: number;
  /** `"`, `'` or a backtick. */
  quote: string;
  /** The raw text; for a template, the pieces around its interpolations (one more than the holes). */
  parts: string[];
  /** A template's interpolated expressions, as written (`p` for `${p}`). */
  holes: string[];
  /** The nearest code character before the literal (`""` at the start), e.g. `+` or `(`. */
  before: string;
  /** The nearest code character after the literal (`""` at the end). */
  after: string;
}

/** After these characters a `/` starts a regular expression, not a division. */
const REGEX_AFTER = new Set([..."(,=:[!&|?{};+-*%<>~^"]);
/** After these words too (`return /x/`). */
const REGEX_AFTER_WORD = new Set(["return", "typeof", "case", "do", "else", "in", "of", "void", "yield", "await", "throw", "new", "delete", "instanceof"]);

/** Every string and template literal of `source`, in order. */
export function literals(source: string): Literal[] {
  const out: Literal[] = [];
  /** Templates whose `${…}` is open, with the brace depth inside that hole. */
  const holes: { literal: Literal; depth: number; start: number }[] = [];
  /** Literals still waiting for the code character that follows them. */
  let waiting: Literal[] = [];
  let line = 1;
  let i = 0;
  let last = "";
  let lastWord = "";

  const code = (ch: string): void => {
    for (const l of waiting) l.after = ch;
    waiting = [];
    last = ch;
  };
  const advance = (to: number): void => {
    for (; i < to; i++) if (source[i] === "\n") line++;
  };
  /** Read a template's text from `i` (just after the backtick or the hole's `}`) to its end or next hole. */
  const templateText = (literal: Literal): void => {
    let text = "";
    while (i < source.length) {
      const ch = source[i]!;
      if (ch === "\\") {
        text += source.slice(i, i + 2);
        advance(i + 2);
      } else if (ch === "`") {
        literal.parts.push(text);
        i++;
        waiting.push(literal);
        last = "`";
        return;
      } else if (ch === "$" && source[i + 1] === "{") {
        literal.parts.push(text);
        i += 2;
        holes.push({ literal, depth: 0, start: i });
        last = "{";
        return;
      } else {
        text += ch;
        advance(i + 1);
      }
    }
  };

  while (i < source.length) {
    const ch = source[i]!;
    const next = source[i + 1];
    if (ch === "\n" || ch === " " || ch === "\t" || ch === "\r") {
      advance(i + 1);
    } else if (ch === "/" && next === "/") {
      const end = source.indexOf("\n", i);
      i = end < 0 ? source.length : end;
    } else if (ch === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      advance(end < 0 ? source.length : end + 2);
    } else if (ch === '"' || ch === "'") {
      const literal: Literal = { line, quote: ch, parts: [], holes: [], before: last, after: "" };
      let j = i + 1;
      while (j < source.length && source[j] !== ch && source[j] !== "\n") j += source[j] === "\\" ? 2 : 1;
      literal.parts.push(source.slice(i + 1, j));
      advance(j + 1);
      for (const l of waiting) l.after = ch;
      waiting = [literal];
      out.push(literal);
      last = ch;
      lastWord = "";
    } else if (ch === "`") {
      const literal: Literal = { line, quote: ch, parts: [], holes: [], before: last, after: "" };
      for (const l of waiting) l.after = ch;
      waiting = [];
      out.push(literal);
      i++;
      templateText(literal);
      lastWord = "";
    } else if (ch === "/" && (REGEX_AFTER.has(last) || last === "" || REGEX_AFTER_WORD.has(lastWord))) {
      let j = i + 1;
      let inClass = false;
      for (; j < source.length && source[j] !== "\n"; j++) {
        if (source[j] === "\\") j++;
        else if (source[j] === "[") inClass = true;
        else if (source[j] === "]") inClass = false;
        else if (source[j] === "/" && !inClass) break;
      }
      j++;
      while (j < source.length && /[a-z]/i.test(source[j]!)) j++;
      advance(j);
      code(")"); // a regex ends an expression, like a closing parenthesis
      lastWord = "";
    } else if (/[A-Za-z0-9_$]/.test(ch)) {
      let j = i;
      while (j < source.length && /[A-Za-z0-9_$]/.test(source[j]!)) j++;
      lastWord = source.slice(i, j);
      code("a");
      i = j;
    } else {
      const hole = holes[holes.length - 1];
      if (hole && ch === "}" && hole.depth === 0) {
        for (const l of waiting) l.after = "}";
        waiting = [];
        holes.pop();
        hole.literal.holes.push(source.slice(hole.start, i).trim());
        i++;
        templateText(hole.literal);
      } else {
        if (hole && ch === "{") hole.depth++;
        if (hole && ch === "}") hole.depth--;
        code(ch);
        i++;
      }
      lastWord = "";
    }
  }
  return out;
}
