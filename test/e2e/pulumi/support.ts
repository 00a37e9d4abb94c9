// Shared by the Pulumi provider's end-to-end tests: a counting proxy in front of the keys service (the provider
// process reaches the service only through it), a stack wired to it, state readers and the canary scan.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Deployment, LocalWorkspace, PulumiFn } from "@pulumi/pulumi/automation/index.js";
import { inject } from "vitest";
import { API_KEY_TYPE } from "../../../provider/index.ts";
import { type AnswerTrigger, createAnswerTrigger } from "../../harness/answer-trigger.ts";
import type { TestKeyService } from "../../harness/keys-service.ts";
import { createPulumiStack, type PulumiStack } from "../../harness/pulumi.ts";

/** Moves the provider process's clock (read by test/harness/shifted-clock.ts). */
const CLOCK_OFFSET_ENV = "AYRA_KEYS_TEST_CLOCK_OFFSET_MS";

export interface KeysProxy {
  url: string;
  /** Every request the provider made since the last reset: `METHOD /path` (query dropped). */
  calls: string[];
  /** The status the keys service answered each call with, in the order the answers came (same reset). */
  answers: { call: string; status: number }[];
  reset(): void;
  /** Acts at the instant the keys service has answered a matching call; that answer never reaches the provider. */
  onAnswer: AnswerTrigger["arm"];
  close(): Promise<void>;
}

/** Forwards to the keys service and counts: the provider's keys-API traffic, seen from outside. */
export async function startKeysProxy(target: () => string): Promise<KeysProxy> {
  const calls: string[] = [];
  const answers: { call: string; status: number }[] = [];
  const trigger = createAnswerTrigger();
  const server: Server = createServer((req, res) => {
    const method = req.method ?? "GET";
    const path = (req.url ?? "").split("?")[0] ?? "";
    calls.push(`${method} ${path}`);
    const upstream = new URL(req.url ?? "/", target());
    const forward = httpRequest(
      upstream,
      { method: req.method, headers: { ...req.headers, host: upstream.host } },
      (answer) => {
        const status = answer.statusCode ?? 502;
        answers.push({ call: `${method} ${path}`, status });
        if (trigger.wants(method, path, status)) {
          const chunks: Buffer[] = [];
          answer.on("data", (chunk: Buffer) => chunks.push(chunk));
          answer.on("end", () => trigger.take({ method, path, status, body: Buffer.concat(chunks) }));
          return;
        }
        res.writeHead(status, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => {
      res.writeHead(502).end();
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    answers,
    reset: () => {
      calls.length = 0;
      answers.length = 0;
    },
    onAnswer: (match, action) => trigger.arm(match, action),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface SlotStack extends PulumiStack {
  workspace: LocalWorkspace;
  /** The provider's JSON log lines (AYRA_KEYS_PROVIDER_LOG). */
  providerLog(): Promise<string>;
  /** Moves the provider's clock to the keys service's (both are offsets from real time). */
  syncClock(ks: TestKeyService): void;
  /** Everything the CLI printed in this stack's operations, for the canary. */
  output: string[];
  projectName: string;
}

/** A stack whose provider reaches the keys service through `proxy`, credentials in stack config. */
export async function createSlotStack(options: {
  projectName: string;
  program: PulumiFn;
  proxy: KeysProxy;
  apiKey: string;
  env?: Record<string, string>;
}): Promise<SlotStack> {
  const logDir = await mkdtemp(join(tmpdir(), "ayra-keys-provider-log-"));
  const logFile = join(logDir, "provider.jsonl");
  const ws = await createPulumiStack({
    paths: inject("counterparts"),
    projectName: options.projectName,
    program: options.program,
    env: { AYRA_KEYS_PROVIDER_LOG: logFile, ...options.env },
  });
  await ws.stack.setAllConfig({
    "ayra:apiUrl": { value: options.proxy.url },
    "ayra:apiKey": { value: options.apiKey, secret: true },
  });
  const workspace = ws.stack.workspace as LocalWorkspace;
  return {
    ...ws,
    workspace,
    projectName: options.projectName,
    output: [],
    providerLog: () => readFile(logFile, "utf8").catch(() => ""),
    syncClock(ks) {
      // The dynamic-provider launcher (test/counterparts/launchers) preloads test/harness/shifted-clock.ts then.
      workspace.envVars[CLOCK_OFFSET_ENV] = String(ks.clock.offsetMs);
    },
    async dispose() {
      await ws.dispose();
      await rm(logDir, { recursive: true, force: true });
    },
  };
}

export interface StateResource {
  urn: string;
  id?: string;
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

export function apiKeyResources(state: Deployment): StateResource[] {
  const resources = (state.deployment.resources ?? []) as StateResource[];
  return resources.filter((r) => r.type === API_KEY_TYPE);
}

export function resourceNamed(state: Deployment, name: string): StateResource {
  const found = apiKeyResources(state).find((r) => r.urn.endsWith(`::${name}`));
  if (!found) throw new Error(`no ApiKey ${name} in the state`);
  return found;
}

/** Plain output values of an ApiKey (secret envelopes opened: exportStack shows secrets). */
export function outputsOf(state: Deployment, name: string): Record<string, unknown> {
  const outputs = resourceNamed(state, name).outputs ?? {};
  return Object.fromEntries(
    Object.entries(outputs).map(([key, value]) => [key, isSecretEnvelope(value) ? unwrap(value) : value]),
  );
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_MARK = "1b47061264138c4ac30d75fd1eb44270";

function isSecretEnvelope(value: unknown): value is { plaintext: string } {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[SECRET_SIG] === SECRET_MARK
  );
}

function unwrap(envelope: { plaintext: string }): unknown {
  return JSON.parse(envelope.plaintext);
}

/** True when `needle` occurs anywhere in `node` except inside a Pulumi secret envelope. */
export function plaintextOutsideSecrets(node: unknown, needle: string): boolean {
  if (typeof node === "string") return node.includes(needle);
  if (Array.isArray(node)) return node.some((item) => plaintextOutsideSecrets(item, needle));
  if (node && typeof node === "object") {
    if (isSecretEnvelope(node)) return false;
    return Object.values(node).some((item) => plaintextOutsideSecrets(item, needle));
  }
  return false;
}

/** The raw state file the file backend wrote (secrets as ciphertext). */
export function stateFilePath(stack: SlotStack, stackName = "test"): string {
  return join(stack.backendDir, ".pulumi", "stacks", stack.projectName, `${stackName}.json`);
}

/** The keys service's view of a key value: POST /v1/api_keys/introspect with the admin key. */
export async function introspect(
  ks: TestKeyService,
  secret: string,
): Promise<{ active: boolean; id?: string; scopes?: string[]; environment?: string }> {
  const res = await ks.call("POST", "/v1/api_keys/introspect", { key: ks.adminKey, body: { key: secret } });
  if (res.status !== 200) throw new Error(`introspect answered ${res.status}`);
  return res.body as unknown as { active: boolean; id?: string; scopes?: string[]; environment?: string };
}

/** Every key the service holds for a slot (URN), newest last. */
export async function keysOfSlot(
  ks: TestKeyService,
  urn: string,
): Promise<{ id: string; status: string; revocation_reason: string | null }[]> {
  const query = `metadata[pulumi_urn]=${encodeURIComponent(urn)}&limit=100`;
  const res = await ks.call("GET", `/v1/api_keys?${query}`, { key: ks.adminKey });
  if (res.status !== 200) throw new Error(`list answered ${res.status}`);
  return res.body.data;
}

export const DAY_MS = 86_400_000;

/** The ready-made policy pack's executable launcher, as `--policy-pack` takes it. */
export const POLICY_PACK = fileURLToPath(
  new URL("../../../provider/policy/pack/run-policy-pack", import.meta.url),
);
