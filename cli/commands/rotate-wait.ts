// --wait: follow the controller after an annotation until the new key is in the Secret and every restart
// target has rolled out. Reads the ApiKey's status, the Secret's key-id annotation (never its value) and the
// workloads' rollout status, the way `kubectl rollout status` does.
import type { KubeRest } from "../../controller/kube/rest.ts";
import { isNotFound } from "../../controller/kube/rest.ts";
import type { SecretObject } from "../../controller/kube/types.ts";
import { rolledOut, type Workload } from "../../controller/reconcile/gather.ts";
import { type ApiKeyObject, paths } from "../../controller/reconcile/objects.ts";
import { ANNOTATIONS } from "../../core/planner/types.ts";

export interface WaitOutcome {
  done: boolean;
  newKeyId: string | undefined;
  secret: string | undefined;
  rolledOut: string[];
  waitingFor: string | undefined;
}

interface WaitOptions {
  namespace: string;
  name: string;
  oldKeyId: string;
  timeoutMs: number;
  progress: (line: string) => void;
  intervalMs?: number;
}

export async function waitForRotation(rest: KubeRest, options: WaitOptions): Promise<WaitOutcome> {
  const deadline = Date.now() + options.timeoutMs;
  let said = "";
  const say = (line: string) => {
    if (line !== said) options.progress(line);
    said = line;
  };
  let last: WaitOutcome = {
    done: false,
    newKeyId: undefined,
    secret: undefined,
    rolledOut: [],
    waitingFor: undefined,
  };
  for (;;) {
    last = await observe(rest, options);
    if (last.done) {
      say(
        `  rotation complete: ${last.newKeyId} is in Secret ${options.namespace}/${last.secret}${last.rolledOut.length ? `; rolled out: ${last.rolledOut.join(", ")}` : ""}`,
      );
      return last;
    }
    say(`  waiting for ${last.waitingFor}`);
    if (Date.now() >= deadline) return last;
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 500));
  }
}

async function observe(rest: KubeRest, o: WaitOptions): Promise<WaitOutcome> {
  const obj = await rest.get<ApiKeyObject>(paths.apiKey(o.namespace, o.name));
  const keyId = obj.status?.keyId;
  const spec = (obj.spec ?? {}) as {
    secret?: { name?: string };
    restartTargets?: { kind: string; name: string }[];
  };
  const secretName = obj.status?.secretName ?? spec.secret?.name ?? o.name;
  const base = { newKeyId: keyId, secret: secretName, rolledOut: [] as string[] };
  if (keyId === undefined || keyId === o.oldKeyId)
    return {
      ...base,
      done: false,
      waitingFor: `the controller to mint a new key (current ${keyId ?? "none"})`,
    };
  const secret = await rest.get<SecretObject>(paths.secret(o.namespace, secretName)).catch((e) => {
    if (isNotFound(e)) return undefined;
    throw e;
  });
  const held = secret?.metadata.annotations?.[ANNOTATIONS.keyId];
  if (held !== keyId)
    return {
      ...base,
      done: false,
      waitingFor: `Secret ${secretName} to hold ${keyId} (it holds ${held ?? "nothing"})`,
    };
  const done: string[] = [];
  for (const t of spec.restartTargets ?? []) {
    const w = await rest.get<Workload>(paths.workload(o.namespace, t.kind, t.name)).catch((e) => {
      if (isNotFound(e)) return undefined;
      throw e;
    });
    if (w === undefined) continue; // a missing target has nothing to restart (the controller says so)
    const label = `${t.kind}/${t.name}`;
    if (w.spec?.template?.metadata?.annotations?.[ANNOTATIONS.restartedFor] !== keyId)
      return { ...base, rolledOut: done, done: false, waitingFor: `${label} to be restarted for ${keyId}` };
    if (!rolledOut(t.kind, w))
      return {
        ...base,
        rolledOut: done,
        done: false,
        waitingFor: `${label} to roll out (${w.status?.updatedReplicas ?? 0}/${w.spec?.replicas ?? 1} updated)`,
      };
    done.push(label);
  }
  return { ...base, rolledOut: done, done: true, waitingFor: undefined };
}
