// Global setup of the end-to-end project: builds the counterparts if the cache lacks them, then starts
// one control plane and one PostgreSQL for the whole run. Tests isolate themselves inside them (a
// namespace, a database each); they reach them through inject().
import type { TestProject } from "vitest/node";
import { type CounterpartPaths, ensureCounterparts } from "../counterparts/build.ts";
import { type ControlPlaneInfo, startControlPlane } from "./control-plane.ts";
import { startPostgres } from "./postgres.ts";
import { PREREQUISITES, requireAll } from "./prerequisites.ts";

declare module "vitest" {
  export interface ProvidedContext {
    counterparts: CounterpartPaths;
    controlPlane: ControlPlaneInfo;
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Every missing tool named at once, with the command that installs it, before anything is started.
  requireAll([PREREQUISITES.git, PREREQUISITES.openssl, PREREQUISITES.postgresql]);
  const counterparts = await ensureCounterparts();
  const [controlPlane, postgres] = await Promise.all([startControlPlane(counterparts), startPostgres()]);
  process.stderr.write(
    `[harness] control plane ready in ${controlPlane.startedInMs} ms at ${controlPlane.server}; ` +
      `PostgreSQL ready in ${postgres.startedInMs} ms on port ${postgres.port}\n`,
  );
  const { stop: _stop, startedInMs: _ms, ...info } = controlPlane;
  project.provide("counterparts", counterparts);
  project.provide("controlPlane", info);
  project.provide("postgresUrl", postgres.url);
  return async () => {
    await Promise.allSettled([controlPlane.stop(), postgres.stop()]);
  };
}
