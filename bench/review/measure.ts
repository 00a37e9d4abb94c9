// One review in a fresh process, as the CLI runs it, reporting its own time and peak memory on stdout.
// Usage: node bench/review/measure.ts REPO BASE HEAD
import { renderJson } from "../../review/render/json.ts";
import { renderMarkdown } from "../../review/render/markdown.ts";
import { runReview } from "../../review/review.ts";

const [repo = ".", base = "main", head = "HEAD"] = process.argv.slice(2);
const started = performance.now();
const report = await runReview({ cwd: repo, base, head });
const reviewMs = performance.now() - started;
const markdown = renderMarkdown(report, { maxLength: 65_000 });
const json = renderJson(report);
const totalMs = performance.now() - started;
process.stdout.write(
  `${JSON.stringify({
    reviewMs,
    totalMs,
    rows: report.plan.length,
    findings: report.findings.length,
    markdownChars: markdown.length,
    jsonBytes: json.length,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
