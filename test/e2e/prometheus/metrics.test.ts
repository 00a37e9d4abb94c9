// `promtool check metrics` over the real /metrics of a running keys service (`ayra-keys serve --metrics-listen`)
// and a running controller, after each has done the work its metrics describe; and the names users query are
// there: each process's own prefix, the key timestamps, process_* and nodejs_* unprefixed.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { generateKey } from "../../../core/domain/index.ts";
import {
  type ControllerProcess,
  type ControllerTestBed,
  controllerTestBed,
  startControllerProcess,
} from "../../harness/controller.ts";
import { freePort } from "../../harness/ports.ts";
import { type ServeProcess, startServe } from "../../harness/serve-process.ts";
import { makeTempDir, removeTempDir } from "../../harness/temp-dirs.ts";
import { waitFor } from "../../harness/wait.ts";
import { checkMetrics, families, sample } from "./promtool.ts";

const KEY = /sk_(live|test)_[A-Za-z0-9]{50}/;
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function scrape(url: string): Promise<string> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  return res.text();
}

function expectStandardProcessMetrics(types: Map<string, string>): void {
  expect(types.get("process_cpu_seconds_total")).toBe("counter");
  expect(types.get("process_resident_memory_bytes")).toBe("gauge");
  expect(types.get("process_start_time_seconds")).toBe("gauge");
  expect(types.get("nodejs_heap_size_used_bytes")).toBe("gauge");
  expect(types.get("nodejs_eventloop_lag_seconds")).toBe("gauge");
  expect(types.get("nodejs_gc_duration_seconds")).toBe("histogram");
  // Stock dashboards read these names; a gauge may not end in _total, so they are untyped.
  expect(types.get("nodejs_active_handles_total")).toBe("untyped");
  expect(types.get("nodejs_active_handles")).toBe("gauge");
}

describe("promtool check metrics", () => {
  it("passes over the keys service's /metrics, which counts failed authentications by reason", async () => {
    const dataDir = await makeTempDir("ayra-keys-prom-ks-");
    const metricsPort = await freePort();
    const ks: ServeProcess = await startServe([
      "--data-dir",
      dataDir,
      "--database",
      `sqlite:${join(dataDir, "keys.db")}`,
      "--metrics-listen",
      `127.0.0.1:${metricsPort}`,
    ]);
    cleanups.push(async () => {
      await ks.proc.stop();
      await removeTempDir(dataDir);
    });
    const admin = await waitFor("the bootstrap key file", async () =>
      (await readFile(join(dataDir, "admin-key"), "utf8").catch(() => "")).trim(),
    );
    const created = await ks.call("POST", "/v1/api_keys", {
      key: admin,
      body: { name: "Metrics probe", environment: "test", scopes: ["agents:read"] },
    });
    expect(created.status).toBe(201);
    await ks.call("POST", "/v1/api_keys/introspect", { key: admin, body: { key: created.body.secret } });
    expect((await ks.call("GET", "/v1/api_keys")).status).toBe(401);
    expect((await ks.call("GET", "/v1/api_keys", { key: generateKey("live") })).status).toBe(401);
    expect((await ks.call("GET", "/v1/api_keys", { key: generateKey("test") })).status).toBe(401);

    const text = await scrape(`http://127.0.0.1:${metricsPort}/metrics`);
    const r = await checkMetrics(text);
    expect({ code: r.code, problems: `${r.stdout}${r.stderr}` }).toEqual({ code: 0, problems: "" });

    const types = families(text);
    for (const name of types.keys()) expect(name).toMatch(/^(ayra_keys_service_|process_|nodejs_)/);
    expectStandardProcessMetrics(types);
    expect(sample(text, "ayra_keys_service_authentication_failures_total", { reason: "missing" })).toBe(1);
    expect(sample(text, "ayra_keys_service_authentication_failures_total", { reason: "invalid" })).toBe(2);
    expect(sample(text, "ayra_keys_service_keys", { environment: "test", status: "active" })).toBe(1);
    expect(sample(text, "ayra_keys_service_introspections_total", { active: "true" })).toBe(1);
    expect(
      sample(text, "ayra_keys_service_http_requests_total", {
        route: "/v1/api_keys",
        method: "POST",
        status: "201",
      }),
    ).toBe(1);
    expect(text).not.toMatch(KEY);
  });

  it("passes over the controller's /metrics, whose key timestamps are the ApiKey's status and leave with it", async () => {
    const info = inject("controlPlane");
    const bed: ControllerTestBed = await controllerTestBed(info, "prom");
    cleanups.push(() => bed.close());
    const ctl: ControllerProcess = await startControllerProcess({
      info,
      namespace: bed.ns.name,
      keysUrl: bed.ks.url,
      apiKey: bed.ks.adminKey,
    });
    cleanups.push(() => ctl.stop());
    bed.kube.context = () => ctl.lines.slice(-30).join("\n");

    await bed.kube.createApiKey("billing", {
      displayName: "Billing Metrics Probe",
      environment: "test",
      scopes: ["agents:read"],
      expiresAfter: "30d",
      rotation: { every: "7d" },
    });
    const ready = await bed.kube.waitReady("billing");
    const key = { namespace: bed.ns.name, name: "billing" };

    const text = await scrape(`${ctl.url}/metrics`);
    const r = await checkMetrics(text);
    expect({ code: r.code, problems: `${r.stdout}${r.stderr}` }).toEqual({ code: 0, problems: "" });

    const types = families(text);
    for (const name of types.keys())
      expect(name).toMatch(/^(ayra_keys_controller_|ayra_keys_key_|process_|nodejs_)/);
    expectStandardProcessMetrics(types);
    expect(types.get("ayra_keys_key_expiration_timestamp_seconds")).toBe("gauge");
    expect(sample(text, "ayra_keys_key_expiration_timestamp_seconds", key)).toBe(
      Date.parse(ready.status?.expiresAt ?? "") / 1000,
    );
    expect(sample(text, "ayra_keys_key_next_rotation_timestamp_seconds", key)).toBe(
      Date.parse(ready.status?.nextRotationAt ?? "") / 1000,
    );
    expect(sample(text, "ayra_keys_controller_leader")).toBe(1);
    expect(sample(text, "ayra_keys_controller_apikeys", { state: "ready" })).toBe(1);
    expect(sample(text, "ayra_keys_controller_key_creations_total")).toBe(1);
    expect(text).not.toMatch(KEY);

    await bed.kube.deleteApiKey("billing");
    await waitFor(
      "the deleted ApiKey's series to leave /metrics",
      async () => {
        const after = await scrape(`${ctl.url}/metrics`);
        return (
          sample(after, "ayra_keys_key_expiration_timestamp_seconds", key) === undefined &&
          sample(after, "ayra_keys_key_next_rotation_timestamp_seconds", key) === undefined
        );
      },
      { context: () => ctl.lines.slice(-20).join("\n") },
    );
  });
});
