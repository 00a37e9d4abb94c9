import { describeValue, looksLikeKey } from "./safe-text.ts";

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;

const COMPACT = /^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
const ISO = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
// Months and years have no fixed length, so a lifetime in them would drift; refuse with a reason.
const CALENDAR_COMPACT = /^(?:\d+[a-z]+)*\d+(?:y|yr|mo|M)(?:\d+[a-zA-Z]+)*$/;
const CALENDAR_ISO = /^P[^T]*[YM]/;

/**
 * Both accepted forms, for JSON Schema `pattern` (ECMA and RE2 alike, so a CRD can use it).
 * Coarse on purpose: it admits `PT`, which parseDuration then refuses with a clear message.
 */
export const DURATION_PATTERN_SOURCE =
  "^(([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?|P([0-9]+W)?([0-9]+D)?(T([0-9]+H)?([0-9]+M)?([0-9]+S)?)?)$";

export const DURATION_FORMS =
  "a number with a unit (90d, 36h, 15m, 30s, 1w, or combined like 1h30m) or ISO 8601 (P90D, PT36H, P1DT12H, PT15M, P2W)";

export type DurationProblem = "syntax" | "calendar-unit" | "zero" | "too-long";

export class DurationError extends Error {
  override readonly name = "DurationError";
  /** The input as given, or a placeholder if it looked like an API key. */
  readonly input: string;
  readonly problem: DurationProblem;

  constructor(input: unknown, problem: DurationProblem) {
    super(explain(input, problem));
    this.input = typeof input === "string" && !looksLikeKey(input) ? input : describeValue(input);
    this.problem = problem;
  }
}

function explain(input: unknown, problem: DurationProblem): string {
  const shown = describeValue(input);
  switch (problem) {
    case "calendar-unit":
      return `${shown} uses months or years, which have no fixed length; use days or weeks instead (e.g. 30d, 52w or P30D)`;
    case "zero":
      return `${shown} is zero; this duration must be longer than zero`;
    case "too-long":
      return `${shown} is too long to be a duration`;
    case "syntax":
      return `${shown} is not a duration; use ${DURATION_FORMS}`;
  }
}

export type DurationOptions = { allowZero?: boolean };

/** Milliseconds. Throws DurationError; zero only with `allowZero` (e.g. gracePeriod "0s"). */
export function parseDuration(text: string, options: DurationOptions = {}): number {
  if (typeof text !== "string") throw new DurationError(text, "syntax");
  const ms = parseParts(text);
  if (!Number.isSafeInteger(ms)) throw new DurationError(text, "too-long");
  if (ms === 0 && !options.allowZero) throw new DurationError(text, "zero");
  return ms;
}

function parseParts(text: string): number {
  if (text.startsWith("P")) {
    if (CALENDAR_ISO.test(text)) throw new DurationError(text, "calendar-unit");
    const match = ISO.exec(text);
    // "P" alone, or "T" with nothing after it, has no components.
    if (match === null || text === "P" || text.endsWith("T")) throw new DurationError(text, "syntax");
    return total(match, [WEEK_MS, DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS]);
  }
  if (CALENDAR_COMPACT.test(text)) throw new DurationError(text, "calendar-unit");
  const match = COMPACT.exec(text);
  if (match === null || text === "") throw new DurationError(text, "syntax");
  return total(match, [WEEK_MS, DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS]);
}

function total(match: RegExpExecArray, units: readonly number[]): number {
  let ms = 0;
  units.forEach((unit, i) => {
    const digits = match[i + 1];
    if (digits !== undefined) ms += Number(digits) * unit;
  });
  return ms;
}

export function isDuration(text: string, options: DurationOptions = {}): boolean {
  try {
    parseDuration(text, options);
    return true;
  } catch {
    return false;
  }
}

/**
 * Compact form, rounded to whole seconds: whole days as `7d`, otherwise hours, minutes and
 * seconds (`36h`, `1h30m`, `45s`). parseDuration(formatDuration(ms)) === ms for whole seconds.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0)
    throw new RangeError("formatDuration needs a finite, non-negative number");
  const seconds = Math.round(ms / SECOND_MS);
  if (seconds === 0) return "0s";
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h > 0 ? `${h}h` : ""}${m > 0 ? `${m}m` : ""}${s > 0 ? `${s}s` : ""}`;
}
