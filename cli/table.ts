/**
 * Plain-text tables for summaries, aligned by display width.
 *
 * @module
 */
import { displayWidth } from "./ui.ts";

/**
 * Renders rows as aligned columns; the first column left-aligned, the rest
 * right-aligned, unless `align` gives a letter per column (`l` or `r`).
 */
export function renderTable(
  rows: readonly (readonly string[])[],
  align?: string,
): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) =>
      widths[i] = Math.max(widths[i] ?? 0, displayWidth(cell))
    );
  }
  return rows.map((row) =>
    row.map((cell, i) => {
      const pad = " ".repeat((widths[i] ?? 0) - displayWidth(cell));
      const left = align === undefined ? i === 0 : align[i] !== "r";
      return left ? cell + pad : pad + cell;
    }).join("  ").trimEnd()
  ).join("\n");
}

/** Pads the cells of the given columns to one width, so that they read left-aligned in `renderTable`. */
export function leftAlign(
  rows: readonly (readonly string[])[],
  columns: readonly number[],
): string[][] {
  const widths = new Map(
    columns.map((
      c,
    ) => [c, Math.max(...rows.map((r) => displayWidth(r[c] ?? "")))]),
  );
  return rows.map((row) =>
    row.map((cell, i) => {
      const width = widths.get(i);
      return width === undefined
        ? cell
        : cell + " ".repeat(width - displayWidth(cell));
    })
  );
}
