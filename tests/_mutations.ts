/**
 * Systematic mutations of a JSON answer, and the check every parser must
 * pass on each (issue 12, "liberal in what you accept"): real answers
 * differ by era and by account, so a parser fed an answer with any one
 * field removed, set to `null`, of another type, or with fields added must
 * never throw a `TypeError`; a song without an id is skipped with a
 * warning; anything else parses, or fails as a `malformed` `SourceError`
 * whose message names the field's path.
 *
 * @module
 */
import { isSourceError } from "../sources/errors.ts";

/** A step of a path: an object's key or a list's index. */
export type Step = string | number;

/** Where a value sits in a JSON document. */
export type Path = readonly Step[];

/** What a mutation does to the value at its path. */
export type MutationKind =
  | "removed"
  | "null"
  | "number as string"
  | "numeric string as number"
  | "boolean as string"
  | "object as list"
  | "list as object"
  | "extra field";

/** One mutation of a document: a kind, at a path. */
export interface Mutation {
  /** Where the value mutated sits. */
  path: Path;
  /** What is done to it. */
  kind: MutationKind;
  /** A copy of `root` with the mutation applied (`root` is left as it is). */
  apply(root: unknown): unknown;
}

/** The field added by an `extra field` mutation. */
export const EXTRA_FIELD = "zz_unknown_field";

/** The value of the field added by an `extra field` mutation. */
export const EXTRA_VALUE = { nested: [1, "two", null, { three: 3 }] };

/** A path as the protocol pages write it: `cdlist[0].songlist[3].mid`. */
export function pathText(path: Path, prefix = ""): string {
  let text = prefix;
  for (const step of path) {
    text = typeof step === "number"
      ? `${text}[${step}]`
      : text === ""
      ? step
      : `${text}.${step}`;
  }
  return text;
}

/** The value at `path` in `root` (`undefined` where the path leads nowhere). */
export function valueAt(root: unknown, path: Path): unknown {
  let value = root;
  for (const step of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string | number, unknown>)[step];
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The values a type swap turns `value` into, by kind (none when it has no swap). */
function swaps(value: unknown): Array<[MutationKind, unknown]> {
  if (typeof value === "number") return [["number as string", String(value)]];
  if (typeof value === "boolean") {
    return [["boolean as string", String(value)]];
  }
  if (typeof value === "string") {
    // only numeric strings become numbers: real answers drift between
    // 123 and "123", never between "晴天" and a number
    const trimmed = value.trim();
    const n = Number(trimmed);
    return trimmed !== "" && Number.isFinite(n)
      ? [["numeric string as number", n]]
      : [];
  }
  if (Array.isArray(value)) return [["list as object", {}]];
  if (isPlainObject(value)) return [["object as list", []]];
  return [];
}

function mutated(
  root: unknown,
  path: Path,
  change: (parent: Record<Step, unknown>, key: Step) => void,
): unknown {
  const copy = structuredClone(root);
  if (path.length === 0) {
    const holder: Record<Step, unknown> = { root: copy };
    change(holder, "root");
    return holder.root;
  }
  const parent = valueAt(copy, path.slice(0, -1)) as Record<Step, unknown>;
  change(parent, path[path.length - 1]!);
  return copy;
}

/**
 * Every mutation of `root`, depth first: for each value below the root,
 * its removal (object fields), `null`, and its type swaps (number ↔
 * numeric string, boolean → string, object → `[]`, list → `{}`); for each
 * object (the root too), one extra field.
 */
export function* mutations(root: unknown): Generator<Mutation> {
  function* walk(value: unknown, path: Path): Generator<Mutation> {
    if (path.length > 0) {
      const inObject = typeof path[path.length - 1] === "string";
      if (inObject) {
        yield {
          path,
          kind: "removed",
          apply: (r) =>
            mutated(r, path, (parent, key) => {
              delete parent[key];
            }),
        };
      }
      if (value !== null) {
        yield {
          path,
          kind: "null",
          apply: (r) =>
            mutated(r, path, (parent, key) => {
              parent[key] = null;
            }),
        };
      }
      for (const [kind, swapped] of swaps(value)) {
        yield {
          path,
          kind,
          apply: (r) =>
            mutated(r, path, (parent, key) => {
              parent[key] = structuredClone(swapped);
            }),
        };
      }
    }
    if (isPlainObject(value)) {
      yield {
        path,
        kind: "extra field",
        apply: (r) =>
          mutated(r, path, (parent, key) => {
            (parent[key] as Record<string, unknown>)[EXTRA_FIELD] =
              structuredClone(EXTRA_VALUE);
          }),
      };
      for (const [key, child] of Object.entries(value)) {
        yield* walk(child, [...path, key]);
      }
    } else if (Array.isArray(value)) {
      for (const [i, child] of value.entries()) {
        yield* walk(child, [...path, i]);
      }
    }
  }
  yield* walk(root, []);
}

// ------------------------------------------------------------------ checks

/** A list of songs a parser's result holds, and where its songs sit in the input. */
export interface SongList<R> {
  /**
   * Matches the path text (without the case's prefix) of a value inside one
   * song of the input; its first group is the song's own path.
   */
  at: RegExp;
  /** Paths (relative to a song) of the fields that hold its id. */
  idFields: readonly string[];
  /** The id a song of the input has, as the parser should read it. */
  idOf(song: unknown): string;
  /** The ids of the songs of a result, in order. */
  ids(result: R): readonly string[];
}

/** A parser and the recorded answer it is fed. */
export interface ParserCase<R = unknown> {
  /** What the case is, for messages. */
  name: string;
  /** The answer (a parsed JSON fixture). */
  answer: unknown;
  /** The part of the answer handed to the parser. @default the whole answer */
  pick?: Path;
  /** How the parser names the part it is handed in paths (`data`). @default "" */
  prefix?: string;
  /** The parser (with whatever composition the source does). */
  parse(input: unknown): R;
  /** The songs of the result, if it has any. */
  songs?: ReadonlyArray<SongList<R>>;
  /** The warnings of a result. */
  warnings?(result: R): readonly string[];
}

/** What running a case found. */
export interface CaseReport {
  /** Mutations run. */
  mutations: number;
  /** Mutations that parsed. */
  parsed: number;
  /** Mutations that failed as `malformed` naming the path. */
  malformed: number;
  /** Songs skipped with a warning. */
  skipped: number;
  /** One line per broken rule. */
  failures: string[];
}

function describe(error: unknown): string {
  return error instanceof Error
    ? `${error.name}: ${error.message}`
    : String(error);
}

/**
 * Feeds a parser its answer and every mutation of it, and reports each
 * broken rule: an error other than a `malformed` `SourceError` (a
 * `TypeError` above all); a `malformed` message that does not name the
 * mutated path; a song dropped for a change to a field that is not its
 * id; a song skipped without a warning naming it; a song that appears, or
 * changes id.
 */
export function runCase<R>(test: ParserCase<R>): CaseReport {
  const report: CaseReport = {
    mutations: 0,
    parsed: 0,
    malformed: 0,
    skipped: 0,
    failures: [],
  };
  const input = valueAt(test.answer, test.pick ?? []);
  const prefix = test.prefix ?? "";
  const warningsOf = (result: R) => test.warnings?.(result) ?? [];
  let baseline: R;
  try {
    baseline = test.parse(structuredClone(input));
  } catch (error) {
    report.failures.push(`the answer itself: ${describe(error)}`);
    return report;
  }
  if (warningsOf(baseline).length > 0) {
    report.failures.push(
      `the answer itself warns: ${warningsOf(baseline).join("; ")}`,
    );
  }
  const lists = test.songs ?? [];
  const baseIds = lists.map((list) => list.ids(baseline));
  for (const mutation of mutations(input)) {
    report.mutations++;
    const where = pathText(mutation.path, prefix);
    const label = `${mutation.kind} at ${where || "the top level"}`;
    let result: R;
    try {
      result = test.parse(mutation.apply(input));
    } catch (error) {
      if (!isSourceError(error, "malformed")) {
        report.failures.push(`${label}: threw ${describe(error)}`);
      } else if (!error.message.includes(where)) {
        report.failures.push(
          `${label}: the malformed error does not name ${where}: ${error.message}`,
        );
      } else {
        report.malformed++;
      }
      continue;
    }
    report.parsed++;
    const bare = pathText(mutation.path);
    lists.forEach((list, li) => {
      const before = baseIds[li]!;
      const after = list.ids(result);
      const unexpected = after.filter((id) => !before.includes(id));
      if (unexpected.length > 0) {
        report.failures.push(
          `${label}: songs ${unexpected.join(", ")} appeared or changed id`,
        );
      }
      const match = list.at.exec(bare);
      if (mutation.kind === "extra field" && after.length !== before.length) {
        report.failures.push(`${label}: an extra field changed the songs`);
      }
      if (!match) return;
      const songPath = match[1]!;
      const songId = list.idOf(valueAt(input, pathOf(songPath)));
      const inSong = bare.slice(songPath.length).replace(/^\./, "");
      const onId = inSong === "" ||
        list.idFields.some((field) =>
          inSong === field || inSong.startsWith(`${field}.`) ||
          inSong.startsWith(`${field}[`)
        );
      if (after.includes(songId)) return;
      if (!onId) {
        report.failures.push(
          `${label}: song ${songId} was dropped for a change to ${inSong}, not its id`,
        );
        return;
      }
      const named = pathText(pathOf(songPath), prefix);
      const warned = warningsOf(result).some((w) =>
        songPath === "" || w.includes(named)
      ) && warningsOf(result).length > 0;
      if (!warned) {
        report.failures.push(
          `${label}: song ${songId} was skipped without a warning naming ${named}`,
        );
      } else {
        report.skipped++;
      }
    });
  }
  return report;
}

/** The path of a path text (`a.b[3].c` → `["a", "b", 3, "c"]`). */
export function pathOf(text: string): Path {
  const path: Step[] = [];
  for (const match of text.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    path.push(match[2] === undefined ? match[1]! : Number(match[2]));
  }
  return path;
}
