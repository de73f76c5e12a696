/**
 * Chart periods as QQ Music names them (§4): daily charts `YYYY-MM-DD`,
 * weekly ones `YYYY_W` (ISO week), in China time.
 *
 * @module
 */
import type { GenChart } from "../world.ts";

/** China is UTC+8 all year. */
const CHINA_OFFSET_MS = 8 * 3_600_000;

/** `YYYY-MM-DD` of an instant in China time. */
export function chinaDay(ms: number): string {
  return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * A chart's current period at an instant (§4): daily charts `YYYY-MM-DD`,
 * weekly ones `YYYY_W` (ISO week), both in China time.
 */
export function chartPeriod(chart: GenChart, nowMs: number): string {
  if (chart.cadence === "daily") return chinaDay(nowMs);
  const day = new Date(nowMs + CHINA_OFFSET_MS);
  const date = new Date(
    Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()),
  );
  const weekday = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${date.getUTCFullYear()}_${week}`;
}
