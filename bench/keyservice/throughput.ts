// Introspection throughput against the bare node:http baseline: paired runs (bare, then the service) so that
// both see the same machine weather, the ratio taken per pair, and the median of the pairs reported.
import { wrk } from "../wrk.ts";

export interface PairedThroughput {
  bareRps: number;
  serviceRps: number;
  ratio: number;
  ratios: number[];
  serviceP50Ms: number;
  serviceP99Ms: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

export async function pairedThroughput(options: {
  bareUrl: string;
  serviceUrl: string;
  script: string;
  connections: number;
  seconds: number;
  pairs: number;
}): Promise<PairedThroughput> {
  const bare: number[] = [];
  const service: number[] = [];
  const ratios: number[] = [];
  const p50: number[] = [];
  const p99: number[] = [];
  for (let i = 0; i < options.pairs; i++) {
    const base = await wrk({
      url: options.bareUrl,
      script: options.script,
      connections: options.connections,
      seconds: options.seconds,
    });
    const measured = await wrk({
      url: options.serviceUrl,
      script: options.script,
      connections: options.connections,
      seconds: options.seconds,
    });
    if (measured.non2xx > 0) throw new Error(`${measured.non2xx} introspections failed`);
    bare.push(base.requestsPerSecond);
    service.push(measured.requestsPerSecond);
    ratios.push(measured.requestsPerSecond / base.requestsPerSecond);
    p50.push(measured.p50Ms);
    p99.push(measured.p99Ms);
  }
  return {
    bareRps: median(bare),
    serviceRps: median(service),
    ratio: median(ratios),
    ratios,
    serviceP50Ms: median(p50),
    serviceP99Ms: median(p99),
  };
}
