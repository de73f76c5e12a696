/**
 * The flags that say which parts of the tags a stage writes, shared by
 * `download` and `tag`: `--no-tags`, `--no-cover`, `--no-lyrics` and
 * `--cover-size PX`.
 *
 * @module
 */
import type { ParseArgsOptionsConfig } from "node:util";
import { TAG_DEFAULTS, type TagParts } from "../tasks/_tagging.ts";
import { UsageError } from "./exit.ts";
import type { OptionValues } from "./flags.ts";

/** The tag part flags. */
export const TAG_PART_OPTIONS = {
  "no-tags": { type: "boolean" },
  "no-cover": { type: "boolean" },
  "no-lyrics": { type: "boolean" },
  "cover-size": { type: "string" },
} as const satisfies ParseArgsOptionsConfig;

/** Their help lines. */
export const TAG_PART_HELP =
  `  --no-tags              write no text tags (title, artists, album, ids...)
  --no-cover             embed no front cover
  --no-lyrics            embed no lyrics and write no .lrc files
  --cover-size PX        cover size in pixels where the platform scales
                         (default ${TAG_DEFAULTS.coverSize}; Kuwo's largest is 500)`;

/** The tag parts the flags ask for. */
export function parseTagParts(
  values: OptionValues<typeof TAG_PART_OPTIONS>,
): Required<TagParts> {
  let coverSize: number = TAG_DEFAULTS.coverSize;
  const size = values["cover-size"];
  if (size !== undefined) {
    if (
      !/^\d{1,5}$/.test(size.trim()) || Number(size) < 16 || Number(size) > 3000
    ) {
      throw new UsageError(
        `Invalid --cover-size '${size}': expected pixels from 16 to 3000, e.g. 800`,
      );
    }
    coverSize = Number(size);
  }
  return {
    tags: values["no-tags"] !== true,
    cover: values["no-cover"] !== true,
    lyrics: values["no-lyrics"] !== true,
    coverSize,
  };
}
