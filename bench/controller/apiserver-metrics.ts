// Writes to the API server, counted by the API server itself (apiserver_request_total on /metrics).
import type { KubeRest } from "../../controller/kube/rest.ts";

const WRITE_VERBS = new Set(["POST", "PUT", "PATCH", "DELETE", "APPLY"]);

export type WriteCounts = Map<string, number>;

/** Write requests by "VERB resource[/subresource]". */
export async function apiserverWrites(rest: KubeRest): Promise<WriteCounts> {
  return parseWrites(await rest.request<string>({ method: "GET", path: "/metrics", text: true }));
}

export function parseWrites(text: string): WriteCounts {
  const counts: WriteCounts = new Map();
  for (const line of text.split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!WRITE_VERBS.has(labels.verb ?? "")) continue;
    const resource = labels.subresource
      ? `${labels.resource}/${labels.subresource}`
      : (labels.resource ?? "");
    const key = `${labels.verb} ${resource}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(" ") + 1)));
  }
  return counts;
}

export function diff(after: WriteCounts, before: WriteCounts): WriteCounts {
  const out: WriteCounts = new Map();
  for (const [k, v] of after) {
    const d = v - (before.get(k) ?? 0);
    if (d > 0) out.set(k, d);
  }
  return out;
}

export function total(counts: WriteCounts, filter: (key: string) => boolean = () => true): number {
  let n = 0;
  for (const [k, v] of counts) if (filter(k)) n += v;
  return n;
}
