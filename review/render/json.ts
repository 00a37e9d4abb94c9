import type { ReviewReport } from "../report.ts";
import { maskDeep } from "./safe.ts";

/** `--output json`: the report as it is, for scripts. */
export function renderJson(report: ReviewReport): string {
  return `${JSON.stringify(maskDeep(report), null, 2)}\n`;
}
