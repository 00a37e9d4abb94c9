// What `ayra-keys dev` started, what it could not and why, and what to try next — commands that work as printed.
import { dirname, join } from "node:path";
import type { ReviewSample } from "./dev-review-sample.ts";

export interface DevReport {
  dataDir: string;
  keysUrl: string;
  dashboardUrl: string;
  adminKeyFile: string;
  binaries?: { kubectl: string; built: boolean };
  controlPlane?: { server: string; dir: string };
  /** Why there is no local control plane (Go missing, no checkout): the sentence says what to install. */
  controlPlaneMissing?: string;
  kubeconfig?: string;
  controller?: { server: string; metricsUrl: string } | { skipped: string };
  example?: { file: string } & (
    | { namespace: string; name: string; secretName: string }
    | { skipped: string }
  );
  /** The checkout's examples folder, when there is one. */
  examples?: string;
  reviewSample?: ReviewSample;
  /** Something failed while starting; the message names it. */
  failure?: string;
}

export function printDevReport(report: DevReport, out: (line: string) => void): void {
  const lines = ["", "ayra-keys dev is running:"];
  lines.push(`  keys service   ${report.keysUrl}   (SQLite in ${report.dataDir})`);
  lines.push(`  dashboard      ${report.dashboardUrl}   (sign in with the key in ${report.adminKeyFile})`);
  if (report.controlPlane && report.binaries)
    lines.push(
      `  control plane  ${report.controlPlane.server}   (etcd + kube-apiserver, no nodes; state in ${report.controlPlane.dir}; binaries ${report.binaries.built ? "built now" : "reused"} from ${dirname(dirname(dirname(report.binaries.kubectl)))})`,
    );
  else if (report.controlPlaneMissing)
    lines.push(`  control plane  not started: ${report.controlPlaneMissing}`);
  if (report.controller && "server" in report.controller)
    lines.push(
      `  controller     ${report.controller.server}   (${report.controlPlane ? "the local control plane" : `the cluster of ${report.kubeconfig}`}; metrics on ${report.controller.metricsUrl})`,
    );
  else if (report.controller) lines.push(`  controller     not started: ${report.controller.skipped}`);
  else lines.push("  controller     not started: it needs a control plane");
  if (report.example && "skipped" in report.example)
    lines.push(`  example        ${report.example.file}: ${report.example.skipped}`);
  else if (report.example)
    lines.push(
      `  example        applied ${report.example.file}: ApiKey ${report.example.namespace}/${report.example.name} → Secret ${report.example.secretName} (data key apiKey; its value is never printed)`,
    );
  if (report.failure) lines.push(`  failed         ${report.failure}`);

  lines.push("", "Try it:");
  if (report.kubeconfig) {
    lines.push(`  export KUBECONFIG=${report.kubeconfig}`);
    if (report.binaries)
      lines.push(
        `  export PATH=${dirname(report.binaries.kubectl)}:$PATH   # kubectl, built with the control plane`,
      );
    if (report.example && !("skipped" in report.example)) {
      const { namespace, name, secretName } = report.example;
      lines.push(
        `  kubectl get apikeys -n ${namespace}            # ak for short`,
        `  kubectl get secret ${secretName} -n ${namespace}   # made by the controller`,
        `  kubectl annotate apikey ${name} -n ${namespace} keys.ayra.ai/rotate="$(date -u +%FT%TZ)"   # rotate now, with grace`,
      );
    } else lines.push("  kubectl apply -f examples/k8s/apikey.yaml", "  kubectl get apikeys");
    lines.push("");
  }
  lines.push(
    `  export AYRA_API_URL=${report.keysUrl}`,
    `  export AYRA_API_KEY="$(cat ${report.adminKeyFile})"`,
    `  curl -s $AYRA_API_URL/v1/api_keys -H "Authorization: Bearer $AYRA_API_KEY"`,
  );
  if (report.examples)
    lines.push(
      "",
      "  # the Pulumi example against this keys service (with a Pulumi CLI: https://www.pulumi.com/docs/install/)",
      `  cd ${join(report.examples, "pulumi")} && export PULUMI_CONFIG_PASSPHRASE=example`,
      "  pulumi login --local && pulumi stack init dev",
      `  pulumi config set ayra:apiUrl ${report.keysUrl}`,
      `  pulumi config set --secret ayra:apiKey "$(cat ${report.adminKeyFile})"`,
      "  pulumi up",
    );
  const sample = report.reviewSample;
  if (sample && "repo" in sample)
    lines.push(
      "",
      "  # review a sample change: its last commit widens the example key's scopes",
      `  npm run cli -- review ${sample.args.join(" ")}`,
    );
  else if (sample) lines.push("", `  (no sample change to review: ${sample.skipped})`);
  lines.push("", `Ctrl-C stops it all; the data stays in ${report.dataDir}.`, "");
  out(lines.join("\n"));
}
