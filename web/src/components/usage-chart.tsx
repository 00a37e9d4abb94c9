// Requests per hour over 30 days as an SVG bar chart, described in text for screen readers and for anyone who
// wants the numbers rather than the shape.
import { formatTime } from "../model/key-view.ts";
import type { KeyUsage } from "../model/types.ts";

const HOUR = 3_600_000;
const WIDTH = 720;
const HEIGHT = 120;

export interface UsageSummary {
  total: number;
  activeHours: number;
  peak: { hour: string; count: number } | null;
}

export function summarise(usage: KeyUsage): UsageSummary {
  let total = 0;
  let peak: UsageSummary["peak"] = null;
  for (const h of usage.hourly) {
    total += h.count;
    if (peak === null || h.count > peak.count) peak = h;
  }
  return { total, activeHours: usage.hourly.length, peak };
}

export function UsageChart({ usage, since, until }: { usage: KeyUsage; since: number; until: number }) {
  const hours = Math.max(1, Math.round((until - since) / HOUR));
  const barWidth = WIDTH / hours;
  const summary = summarise(usage);
  const max = summary.peak?.count ?? 0;
  const text =
    summary.total === 0
      ? "No requests in the last 30 days."
      : `${summary.total.toLocaleString("en-US")} requests in the last 30 days, in ${summary.activeHours} of ${hours} hours; ` +
        `the busiest hour was ${formatTime(summary.peak?.hour ?? null)} with ${summary.peak?.count.toLocaleString("en-US")} requests.`;
  return (
    <figure class="usage">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT + 16}`}
        role="img"
        aria-labelledby="usage-title usage-desc"
        preserveAspectRatio="none"
      >
        <title id="usage-title">Requests per hour, last 30 days</title>
        <desc id="usage-desc">{text}</desc>
        <line x1="0" y1={HEIGHT} x2={WIDTH} y2={HEIGHT} class="axis" />
        {usage.hourly.map((h) => {
          const at = Math.floor((Date.parse(h.hour) - since) / HOUR);
          if (at < 0 || at >= hours) return null;
          const height = Math.max(1, (h.count / max) * (HEIGHT - 4));
          return (
            <rect
              key={h.hour}
              class="bar"
              x={at * barWidth}
              y={HEIGHT - height}
              width={Math.max(1, barWidth)}
              height={height}
            />
          );
        })}
        <text x="0" y={HEIGHT + 13} class="tick">
          30 days ago
        </text>
        <text x={WIDTH} y={HEIGHT + 13} class="tick end">
          now
        </text>
      </svg>
      <figcaption data-testid="usage-summary">{text}</figcaption>
    </figure>
  );
}
