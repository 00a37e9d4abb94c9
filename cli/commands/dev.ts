import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Command, Option } from "commander";
import { defaultDataDir, parseListen } from "./serve.ts";

export interface DevFlags {
  listen: { host: string; port: number };
  dataDir: string;
}

/** `ayra-keys dev`: the local stack on embedded defaults, and what to try next. */
export async function runDev(flags: DevFlags): Promise<void> {
  const adminKeyFile = join(flags.dataDir, "admin-key");
  const { startKeyService } = await import("../../keyservice/key-service.ts");
  const service = await startKeyService({
    database: `sqlite:${join(flags.dataDir, "keys.db")}`,
    dataDir: flags.dataDir,
    host: flags.listen.host,
    port: flags.listen.port,
    // A local stack keeps its admin key in a 0600 file so the commands below can use it.
    adminKeyFile: existsSync(adminKeyFile) ? undefined : adminKeyFile,
  });
  // The controller, against the current kubeconfig context if there is one, else a local control plane.
  const { startDevController } = await import("../../controller/dev.ts");
  const { hasKubeConfiguration } = await import("../../controller/kube/kubeconfig.ts");
  const local = hasKubeConfiguration() ? undefined : await startLocalControlPlane();
  const controller = !existsSync(adminKeyFile)
    ? { skipped: `no admin key file at ${adminKeyFile}` }
    : typeof local === "string"
      ? { skipped: local }
      : await startDevController({
          keysUrl: service.url,
          apiKey: readFileSync(adminKeyFile, "utf8").trim(),
          dataDir: flags.dataDir,
          kubeconfig: local?.kubeconfigPath,
          listenPort: 0, // metrics on a free port (printed below): a dev stack must not collide
        });
  const kubeconfigHint =
    local && typeof local !== "string" ? [`  export KUBECONFIG=${local.kubeconfigPath}`] : [];
  const controllerLines =
    "running" in controller
      ? [
          `  controller     ${controller.server}   (${local && typeof local !== "string" ? "a local control plane: etcd + kube-apiserver, no nodes" : "current kubeconfig context"}; metrics on ${controller.running.url})`,
          "",
          "  kubectl apply -f examples/k8s/analytics-dashboard.yaml",
          "  kubectl get apikeys            # ak for short; the key is in Secret analytics-dashboard",
        ]
      : [`  controller     not started: ${controller.skipped}`];
  process.stdout.write(
    [
      "",
      "ayra-keys dev is running:",
      `  keys service   ${service.url}   (SQLite in ${flags.dataDir})`,
      ...controllerLines,
      "",
      "Try it:",
      ...kubeconfigHint,
      `  export AYRA_API_URL=${service.url}`,
      `  export AYRA_API_KEY="$(cat ${adminKeyFile})"`,
      `  curl -s -X POST $AYRA_API_URL/v1/api_keys -H "Authorization: Bearer $AYRA_API_KEY" \\`,
      `       -H 'Content-Type: application/json' \\`,
      `       -d '{"name":"Production Web App","environment":"test","scopes":["agents:read"]}'`,
      `  curl -s $AYRA_API_URL/v1/api_keys -H "Authorization: Bearer $AYRA_API_KEY"`,
      "",
      "Ctrl-C stops it; the data stays in the data folder.",
      "",
    ].join("\n"),
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  if ("running" in controller) await controller.running.stop();
  if (local && typeof local !== "string") await local.stop();
  await service.close();
}

interface LocalControlPlane {
  kubeconfigPath: string;
  stop(): Promise<void>;
}

// The shapes used of test/counterparts/build.ts and test/harness/control-plane.ts (not compiled into dist).
type CounterpartsModule = { counterpartPaths(): { kubeApiserver: string; etcd: string } };
type ControlPlaneModule = { startControlPlane(paths: unknown): Promise<LocalControlPlane> };

/**
 * No cluster configured: the test control plane (etcd + kube-apiserver) when this checkout has built it
 * with `npm run counterparts`; otherwise why not. The harness is not part of an installed package, so it is
 * found at run time rather than imported.
 */
async function startLocalControlPlane(): Promise<LocalControlPlane | string> {
  const none = "no Kubernetes cluster configured (pass --kubeconfig or set KUBECONFIG)";
  const harness = new URL("../../test/harness/control-plane.ts", import.meta.url);
  const counterparts = new URL("../../test/counterparts/build.ts", import.meta.url);
  if (!existsSync(harness) || !existsSync(counterparts)) return none;
  const { counterpartPaths } = (await import(counterparts.href)) as CounterpartsModule;
  const paths = counterpartPaths();
  if (!existsSync(paths.kubeApiserver) || !existsSync(paths.etcd))
    return `${none}, and no local control plane is built (npm run counterparts builds one)`;
  const { startControlPlane } = (await import(harness.href)) as ControlPlaneModule;
  return startControlPlane(paths);
}

export function devCommand(): Command {
  return new Command("dev")
    .description("run the local stack on embedded defaults and say what to try")
    .addOption(
      new Option("--listen <host:port>", "keys service address")
        .default(parseListen("127.0.0.1:8787"), "127.0.0.1:8787")
        .argParser(parseListen),
    )
    .addOption(
      new Option("--data-dir <dir>", "where the local stack keeps its data")
        .default(defaultDataDir(), "./.data")
        .env("AYRA_KEYS_DATA_DIR"),
    )
    .action(async (flags: DevFlags) => {
      await runDev(flags);
    });
}
