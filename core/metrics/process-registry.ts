// A prom-client registry carrying the standard process_* and nodejs_* metrics under their stock names (no
// prefix), so stock Node.js dashboards and alerts work unchanged for every ayra-keys process.
import { collectDefaultMetrics, Registry } from "prom-client";

/**
 * prom-client names three gauges like counters (`nodejs_active_handles_total` and two more). promtool rightly
 * refuses a gauge ending in `_total`, yet stock dashboards read these names. Exposed as `untyped`, the names stay
 * and nothing false is claimed about their type; the labelled per-type gauges (`nodejs_active_handles`) stay gauges.
 */
export const COUNTER_NAMED_GAUGES = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
] as const;

const COUNTER_NAMED_TYPE_LINE = new RegExp(`^# TYPE (${COUNTER_NAMED_GAUGES.join("|")}) gauge$`, "gm");

class ProcessRegistry extends Registry {
  override async metrics(): Promise<string> {
    return (await super.metrics()).replace(COUNTER_NAMED_TYPE_LINE, "# TYPE $1 untyped");
  }
}

export interface RegistryOptions {
  /** Collect process_* and nodejs_* metrics; off for registries nobody scrapes (in-process services). */
  processMetrics: boolean;
}

export function createRegistry(options: RegistryOptions): Registry {
  const registry = new ProcessRegistry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  return registry;
}
