/**
 * A small TypeScript lexer for the house-rule checks: it finds the import
 * specifiers and the string literals of a file, and skips comments (so a
 * JSDoc `@example` importing something is not an import), regular
 * expression literals and the expressions inside template literals' `${}`.
 *
 * It does not parse TypeScript; it knows just enough to tell code from
 * comments, strings, templates and regular expressions.
 *
 * @module
 */

/** One token of interest: a word, a punctuation character, or a literal. */
export type Token =
  | { kind: "word"; text: string; line: number }
  | { kind: "punct"; text: string; line: number }
  | { kind: "string"; text: string; line: number }
  | { kind: "template"; text: string; line: number };

/** Words after which a `/` starts a regular expression, not a division. */
const REGEX_AFTER_WORD = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);

/** Punctuation after which a `/` is a division (a value ended just before). */
const DIVISION_AFTER_PUNCT = new Set([")", "]", "}"]);

/**
 * Splits TypeScript source into tokens, leaving out whitespace and
 * comments. Template literals come out as one token whose text has each
 * `${...}` replaced by `${}`; the code inside is tokenized too.
 */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  /** Open braces per template nesting level, to find a `${}`'s end. */
  const templateDepth: number[] = [];
  /** Text collected so far for each open template. */
  const templateText: { text: string; line: number }[] = [];

  const last = () => tokens[tokens.length - 1];
  const regexAllowed = () => {
    const previous = last();
    if (previous === undefined) return true;
    if (previous.kind === "word") return REGEX_AFTER_WORD.has(previous.text);
    if (previous.kind === "punct") {
      return !DIVISION_AFTER_PUNCT.has(previous.text);
    }
    return false;
  };

  /** Reads a template body from `i` (after a backtick or a `}`) to its end or next `${`. */
  const readTemplate = (start: { text: string; line: number }) => {
    while (i < source.length) {
      const c = source[i]!;
      if (c === "\\") {
        start.text += source.slice(i, i + 2);
        if (source[i + 1] === "\n") line++;
        i += 2;
        continue;
      }
      if (c === "`") {
        i++;
        tokens.push({ kind: "template", text: start.text, line: start.line });
        return;
      }
      if (c === "$" && source[i + 1] === "{") {
        i += 2;
        start.text += "${}";
        templateText.push(start);
        templateDepth.push(0);
        return;
      }
      if (c === "\n") line++;
      start.text += c;
      i++;
    }
  };

  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === "\n") {
      line++;
      i++;
    } else if (c === " " || c === "\t" || c === "\r") {
      i++;
    } else if (c === "/" && next === "/") {
      while (i < source.length && source[i] !== "\n") i++;
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end < 0 ? source.length : end + 2;
      for (let j = i; j < stop; j++) if (source[j] === "\n") line++;
      i = stop;
    } else if (c === '"' || c === "'") {
      const startLine = line;
      let text = "";
      i++;
      while (i < source.length && source[i] !== c && source[i] !== "\n") {
        if (source[i] === "\\") {
          text += source.slice(i, i + 2);
          i += 2;
        } else {
          text += source[i];
          i++;
        }
      }
      i++;
      tokens.push({ kind: "string", text, line: startLine });
    } else if (c === "`") {
      i++;
      readTemplate({ text: "", line });
    } else if (c === "/" && regexAllowed()) {
      // A regular expression literal: skip it, minding classes and escapes.
      i++;
      let inClass = false;
      while (i < source.length && source[i] !== "\n") {
        const r = source[i]!;
        if (r === "\\") {
          i += 2;
          continue;
        }
        if (r === "[") inClass = true;
        else if (r === "]") inClass = false;
        else if (r === "/" && !inClass) break;
        i++;
      }
      i++;
      while (i < source.length && /[a-z]/i.test(source[i]!)) i++;
      tokens.push({ kind: "punct", text: "regex", line });
    } else if (/[A-Za-z_$#@]/.test(c)) {
      let j = i + 1;
      while (j < source.length && /[\w$]/.test(source[j]!)) j++;
      tokens.push({ kind: "word", text: source.slice(i, j), line });
      i = j;
    } else if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < source.length && /[\w.]/.test(source[j]!)) j++;
      tokens.push({ kind: "word", text: source.slice(i, j), line });
      i = j;
    } else {
      if (templateDepth.length > 0) {
        const depth = templateDepth.length - 1;
        if (c === "{") templateDepth[depth]!++;
        if (c === "}") {
          if (templateDepth[depth] === 0) {
            templateDepth.pop();
            i++;
            readTemplate(templateText.pop()!);
            continue;
          }
          templateDepth[depth]!--;
        }
      }
      tokens.push({ kind: "punct", text: c, line });
      i++;
    }
  }
  return tokens;
}

/** An import or re-export of a module, with the line it is on. */
export interface ImportRef {
  /** The specifier as written: `./a.ts`, `node:fs`, `npm:x@1`. */
  specifier: string;
  line: number;
  /** `import type` / `export type`: erased at run time, but still a dependency. */
  typeOnly: boolean;
}

/**
 * The modules a file imports: `import ... from`, `export ... from`,
 * side-effect `import "x"`, and `import("x")` with a literal specifier.
 */
export function findImports(tokens: readonly Token[]): ImportRef[] {
  const imports: ImportRef[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.kind !== "word") continue;
    if (token.text !== "import" && token.text !== "export") continue;
    const previous = tokens[i - 1];
    if (previous?.kind === "punct" && previous.text === ".") continue;
    const after = tokens[i + 1];
    if (
      token.text === "import" && after?.kind === "punct" && after.text === "("
    ) {
      const specifier = tokens[i + 2];
      const close = tokens[i + 3];
      if (
        specifier?.kind === "string" && close?.kind === "punct" &&
        (close.text === ")" || close.text === ",")
      ) {
        imports.push({
          specifier: specifier.text,
          line: token.line,
          typeOnly: false,
        });
      }
      continue;
    }
    if (token.text === "import" && after?.kind === "string") {
      imports.push({
        specifier: after.text,
        line: token.line,
        typeOnly: false,
      });
      continue;
    }
    // `import x from`, `import { a } from`, `export { a } from`, `export * from`.
    const typeOnly = after?.kind === "word" && after.text === "type";
    for (let j = i + 1; j < tokens.length && j < i + 400; j++) {
      const t = tokens[j]!;
      if (t.kind === "punct" && t.text === ";") break;
      if (
        t.kind === "word" && (t.text === "function" || t.text === "class" ||
          t.text === "const" || t.text === "let" || t.text === "interface" ||
          t.text === "enum" || t.text === "async" ||
          t.text === "default" && token.text === "export")
      ) break;
      if (t.kind === "word" && t.text === "from") {
        const specifier = tokens[j + 1];
        if (specifier?.kind === "string") {
          imports.push({
            specifier: specifier.text,
            line: token.line,
            typeOnly,
          });
        }
        break;
      }
    }
  }
  return imports;
}
