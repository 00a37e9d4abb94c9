// The production package, proven: this checkout built and packed, the tarball installed into an empty folder
// with production dependencies only and no peers (exactly what the image installs), and from there the
// installed `ayra-keys` command prints its version and CRDs, serves keys, runs the controller against the
// real API server and reviews a git change; then, as a Pulumi user adds their SDK, a Pulumi program imports
// `ayra-keys/pulumi` from the installed package with the program's own (single) `@pulumi/pulumi`.
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, stat } from "node:fs/promises";
import { delimiter, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { adminKubeConfig } from "../../harness/control-plane.ts";
import {
  type ControllerProcess,
  KubeHelper,
  kubectl,
  projectRoot,
  startControllerProcess,
} from "../../harness/controller.ts";
import { makeCaller } from "../../harness/keys-service.ts";
import { createTestNamespace, type TestNamespace } from "../../harness/namespace.ts";
import { freePort } from "../../harness/ports.ts";
import { type ManagedProcess, startProcess } from "../../harness/processes.ts";
import { makeTempDir, removeTempDir } from "../../harness/temp-dirs.ts";
import { waitFor } from "../../harness/wait.ts";
import { apiKeyYaml, goodSpec, TestRepo } from "../review/fixtures/git-repo.ts";
import {
  binPath,
  emptyProject,
  npmInstall,
  type PackedTarball,
  PRODUCTION_INSTALL,
  packProject,
  run,
  runBin,
} from "./installed-package.ts";
import { writePulumiProject } from "./pulumi-program.ts";

const info = inject("controlPlane");
const counterparts = inject("counterparts");
const kc = adminKubeConfig(info);
const KEY = /sk_(live|test)_[A-Za-z0-9]{50}/;

let root: string;
let app: string;
let tarball: PackedTarball;
let serve: ManagedProcess | undefined;
let serveUrl: string;
let adminKey: string;
let ns: TestNamespace | undefined;
let kube: KubeHelper | undefined;
let ctl: ControllerProcess | undefined;
let repo: TestRepo | undefined;

const call = makeCaller(() => serveUrl);
const jsonLines = (text: string) =>
  text
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

beforeAll(async () => {
  root = await makeTempDir("ayra-keys-install-");
  app = join(root, "app");
  await mkdir(app);
  await emptyProject(app);
  tarball = await packProject(root);
  await npmInstall(app, [tarball.path], PRODUCTION_INSTALL);
}, 600_000);

afterAll(async () => {
  await ctl?.stop();
  kube?.close();
  await ns?.delete();
  await serve?.stop();
  await repo?.dispose();
  if (root) await removeTempDir(root);
});

describe("the packed tarball", () => {
  it("holds the compiled command, the generated validators, schemas and deploy/, and nothing of tests", () => {
    const files = tarball.files;
    for (const needed of [
      "package.json",
      "dist/cli/main.js",
      "dist/core/spec/generated/apikey-schema-validator.cjs",
      "dist/provider/index.js",
      "dist/provider/index.d.ts",
      "schemas/apikey.schema.json",
      "schemas/keys-api.openapi.yaml",
      "deploy/kustomization.yaml",
      "provider/policy/pack/run-policy-pack",
    ])
      expect(files, needed).toContain(needed);
    expect(
      files.filter((f) => /(^|\/)test\/|\.test\.|(^|\/)bench\/|\.map$|\.ts$/.test(f) && !f.endsWith(".d.ts")),
    ).toEqual([]);
  });

  it("installs with production dependencies only: no dev dependency, no peer, one package tree", async () => {
    const installed = (name: string) => existsSync(join(app, "node_modules", name, "package.json"));
    for (const dependency of ["pino", "commander", "yaml", "ajv-formats", "pg", "prom-client", "octokit"])
      expect(installed(dependency), dependency).toBe(true);
    for (const absent of [
      "@kubernetes/client-node",
      "vitest",
      "typescript",
      "@pulumi/pulumi",
      "@pulumi/policy",
    ])
      expect(installed(absent), absent).toBe(false);
    const link = await stat(binPath(app));
    expect(link.mode & 0o111).not.toBe(0);
    expect((await readFile(binPath(app), "utf8")).startsWith("#!/usr/bin/env node\n")).toBe(true);
  });
});

describe("the installed ayra-keys command", () => {
  it("prints the package's version", async () => {
    const version = (
      JSON.parse(await readFile(join(projectRoot, "package.json"), "utf8")) as { version: string }
    ).version;
    const result = await runBin(app, ["--version"]);
    expect(result).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: "" });
  });

  it("prints CRDs that the API server accepts and that equal the shipped deploy/crd/", async () => {
    const result = await runBin(app, ["crd"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    const objects = (text: string) =>
      parseAllDocuments(text)
        .map((d) => d.toJS() as { metadata: { name: string } })
        .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    const crdDir = join(app, "node_modules", "ayra-keys", "deploy", "crd");
    const shipped = await Promise.all(
      (await readdir(crdDir))
        .filter((file) => file.endsWith(".yaml"))
        .map((file) => readFile(join(crdDir, file), "utf8")),
    );
    expect(objects(result.stdout)).toEqual(objects(shipped.join("\n---\n")));
    expect(objects(result.stdout).map((o) => o.metadata.name)).toEqual([
      "apikeypolicies.keys.ayra.ai",
      "apikeys.keys.ayra.ai",
    ]);
    await kubectl(
      info,
      ["apply", "--server-side", "--force-conflicts", "--field-manager=ayra-keys-tests", "-f", "-"],
      result.stdout,
    );
    // Established: the API server serves ApiKeys and ApiKeyPolicies from these definitions.
    const kinds = await kubectl(info, [
      "wait",
      "--for=condition=Established",
      "--timeout=60s",
      "crd/apikeys.keys.ayra.ai",
      "crd/apikeypolicies.keys.ayra.ai",
      "-o",
      "name",
    ]);
    expect(kinds.trim().split("\n").sort()).toEqual([
      "customresourcedefinition.apiextensions.k8s.io/apikeypolicies.keys.ayra.ai",
      "customresourcedefinition.apiextensions.k8s.io/apikeys.keys.ayra.ai",
    ]);
  });

  it("serves the keys API: the bootstrap key in a 0600 file, a key created through the API, logs on stderr", async () => {
    const dataDir = join(root, "data");
    const port = await freePort();
    serveUrl = `http://127.0.0.1:${port}`;
    serve = startProcess({
      name: "installed ayra-keys serve",
      command: process.execPath,
      args: [binPath(app), "serve", "--listen", `127.0.0.1:${port}`, "--data-dir", dataDir],
      cwd: app,
      env: { ...process.env, AYRA_KEYS_LOG_LEVEL: "info" },
      capture: true,
    });
    const proc = serve;
    await waitFor(
      "the installed keys service to be ready",
      async () => {
        if (proc.hasExited) throw new Error(`serve exited:\n${proc.output()}`);
        return (await fetch(`${serveUrl}/readyz`)).ok;
      },
      { timeoutMs: 30_000, intervalMs: 100, context: () => proc.output() },
    );
    const keyFile = join(dataDir, "admin-key");
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    adminKey = (await readFile(keyFile, "utf8")).trim();
    expect(adminKey).toMatch(KEY);

    const created = await call("POST", "/v1/api_keys", {
      key: adminKey,
      body: { name: "Installed package key", environment: "test", scopes: ["agents:read"] },
    });
    expect(created.status).toBe(201);
    const introspected = await call("POST", "/v1/api_keys/introspect", {
      key: adminKey,
      body: { key: created.body.secret },
    });
    expect(introspected.body).toMatchObject({ active: true, id: created.body.id, scopes: ["agents:read"] });

    // Logs are JSON on stderr; stdout holds only what the command says to its user.
    const logs = jsonLines(proc.stderr());
    expect(logs.find((l) => l.msg === "keys service listening")).toMatchObject({
      level: "info",
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      service: "ayra-keys-serve",
    });
    expect(proc.stdout()).toContain(`ayra-keys keys service listening on ${serveUrl}`);
    expect(jsonLines(proc.stdout())).toEqual([]);
    for (const text of [proc.stdout(), proc.stderr()]) expect(text).not.toMatch(KEY);
  });

  it("runs the controller against the real API server: an ApiKey becomes a Secret holding a working key", async () => {
    expect(adminKey).toBeDefined();
    ns = await createTestNamespace(kc, "install");
    kube = new KubeHelper(kc, ns.name);
    ctl = await startControllerProcess({
      info,
      cli: binPath(app),
      namespace: ns.name,
      keysUrl: serveUrl,
      apiKey: adminKey,
      name: "installed controller",
    });
    const controller = ctl;
    kube.context = () => controller.lines.slice(-40).join("\n");
    await kube.createApiKey("web", {
      displayName: "Installed Controller Web",
      environment: "test",
      scopes: ["agents:read", "conversations:read"],
      expiresAfter: "30d",
    });
    const ready = await kube.waitReady("web", () => true, 60_000);
    const helper = kube;
    const value = await waitFor("Secret web to hold apiKey", () => helper.secretValue("web"));
    const found = await call("POST", "/v1/api_keys/introspect", { key: adminKey, body: { key: value } });
    expect(found.body).toMatchObject({ active: true, environment: "test", id: ready.status?.keyId });
    expect(controller.lines.some((l) => l.includes(value))).toBe(false);
    expect(jsonLines(controller.process.output()).length).toBeGreaterThan(0);
  });

  it("reviews a git change to ApiKey manifests", async () => {
    repo = await TestRepo.create();
    await repo.write("keys/web.yaml", apiKeyYaml({ name: "web", spec: goodSpec() }));
    await repo.commit("base");
    await repo.branch("change");
    await repo.write(
      "keys/web.yaml",
      apiKeyYaml({
        name: "web",
        spec: goodSpec({ scopes: ["agents:read", "conversations:read", "contacts:write"] }),
      }),
    );
    await repo.write("keys/new.yaml", apiKeyYaml({ name: "new", spec: goodSpec() }));
    await repo.commit("widen web, add new");
    const result = await runBin(app, ["review", "--base", "main", "--head", "change", "--output", "json"], {
      cwd: repo.dir,
    });
    expect(result.stderr).toBe("");
    const report = JSON.parse(result.stdout) as {
      plan: { key: string; action: string }[];
      findings: { rule: string; key: string }[];
    };
    expect(report.plan.map((r) => `${r.key} ${r.action}`).sort()).toEqual([
      "default/new create",
      "default/web new-key",
    ]);
    expect(report.findings.map((f) => `${f.rule} ${f.key}`)).toContain("write-scope-widening default/web");
    // A write-scope widening is a warning: below the default --fail-on error.
    expect(result.code).toBe(0);
  });
});

describe("a Pulumi program beside the installed package", () => {
  let env: NodeJS.ProcessEnv;
  let program: string;

  beforeAll(async () => {
    // As a Pulumi user's project has it: their own SDK, which the package takes as its peer.
    const tested = (
      JSON.parse(await readFile(join(projectRoot, "package.json"), "utf8")) as {
        devDependencies: Record<string, string>;
      }
    ).devDependencies;
    // The policy SDK too: the optional peer the package's policy pack needs.
    await npmInstall(
      app,
      ["@pulumi/pulumi", "@pulumi/policy"].map((name) => `${name}@${tested[name]}`),
      ["--omit=dev"],
    );
    const project = await writePulumiProject(app);
    program = project.program;
    const state = join(root, "pulumi");
    env = {
      ...process.env,
      PULUMI_ROOT: counterparts.pulumiRoot,
      PULUMI_WORK_DIR: app,
      PULUMI_HOME: join(state, "home"),
      PULUMI_BACKEND_URL: `file://${state}`,
      PULUMI_CONFIG_PASSPHRASE: "installed-package-test",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
      PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
      AYRA_API_URL: serveUrl,
      AYRA_API_KEY: adminKey,
      AYRA_KEYS_POLICY_PACK: join(
        app,
        "node_modules",
        "ayra-keys",
        "provider",
        "policy",
        "pack",
        "run-policy-pack",
      ),
      PATH: [
        dirname(counterparts.pulumi),
        project.launchers,
        dirname(process.execPath),
        process.env.PATH ?? "",
      ].join(delimiter),
    };
    await mkdir(join(state, "home"), { recursive: true });
  }, 300_000);

  it("type-checks against the installed package's types", async () => {
    const tsc = join(projectRoot, "node_modules", "typescript", "bin", "tsc");
    const result = await run(process.execPath, [tsc, "-p", app], { cwd: app, timeoutMs: 120_000 });
    expect(result.stdout + result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it("creates a key with `up` (policy pack passing) and revokes it with `destroy`, through one @pulumi/pulumi", async () => {
    const runProgram = async (verb: "up" | "destroy") => {
      const result = await run(process.execPath, [program, verb], { cwd: app, env, timeoutMs: 180_000 });
      expect(result.code, result.stderr.slice(-3000)).toBe(0);
      expect(result.stdout + result.stderr).not.toMatch(KEY);
      return JSON.parse(result.stdout) as {
        changes: Record<string, number>;
        keyId?: string;
        secretIsSecret?: boolean;
        redacted?: string;
        policies?: string[];
        sdks: { program: string; package: string };
      };
    };
    const up = await runProgram("up");
    expect(up.changes).toEqual({ create: 2 });
    // The pack ran from the installed package, on the program's @pulumi/policy, and passed the key.
    expect(
      up.policies?.some((line) => /✅ ayra-keys@v?\d+\.\d+\.\d+/.test(line)),
      up.policies?.join("\n"),
    ).toBe(true);
    expect(up.secretIsSecret).toBe(true);
    expect(up.redacted).toMatch(/^sk_test_\w{6}\.\.\.\w{4}$/);
    // One SDK: the package resolves the program's @pulumi/pulumi, and has no copy of its own.
    expect(up.sdks.package).toBe(up.sdks.program);
    expect(up.sdks.program.startsWith(join(app, "node_modules", "@pulumi", "pulumi"))).toBe(true);
    expect(existsSync(join(app, "node_modules", "ayra-keys", "node_modules"))).toBe(false);
    const record = await call("GET", `/v1/api_keys/${up.keyId}`, { key: adminKey });
    expect(record.body).toMatchObject({ status: "active", environment: "test", scopes: ["agents:read"] });

    const destroyed = await runProgram("destroy");
    expect(destroyed.changes).toEqual({ delete: 2 });
    const after = await call("GET", `/v1/api_keys/${up.keyId}`, { key: adminKey });
    expect(after.body.status).toBe("revoked");
  });
});
