// The CRDs of keys.ayra.ai: ApiKey (spec generated from schemas/apikey.schema.json, the one source shared
// with Pulumi check and the review) and the cluster-scoped ApiKeyPolicy. `ayra-keys crd` prints them;
// deploy/crd/ holds them; crd.test.ts fails when the checked-in files drift from this output.
import { stringify } from "yaml";
import { DURATION_PATTERN_SOURCE } from "../../core/domain/durations.ts";
import { SCOPES } from "../../core/domain/scopes.ts";
import { API_GROUP, API_VERSION } from "../../core/planner/types.ts";
import { API_KEY_SCHEMA } from "../../core/spec/schema.ts";
import { STATUS_SCHEMA } from "./status-schema.ts";
import { toStructural } from "./translate.ts";

type Json = Record<string, unknown>;

const LABELS = { "app.kubernetes.io/name": "ayra-keys", "app.kubernetes.io/part-of": "ayra-keys" };

function crd(options: {
  plural: string;
  singular: string;
  kind: string;
  shortNames: string[];
  scope: "Namespaced" | "Cluster";
  description: string;
  spec: unknown;
  status?: unknown;
  columns: Json[];
}): Json {
  const properties: Json = {
    apiVersion: { type: "string" },
    kind: { type: "string" },
    metadata: { type: "object" },
    spec: options.spec,
  };
  if (options.status !== undefined) properties.status = options.status;
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${options.plural}.${API_GROUP}`, labels: LABELS },
    spec: {
      group: API_GROUP,
      names: {
        kind: options.kind,
        listKind: `${options.kind}List`,
        plural: options.plural,
        singular: options.singular,
        shortNames: options.shortNames,
        categories: ["ayra"],
      },
      scope: options.scope,
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          ...(options.status !== undefined ? { subresources: { status: {} } } : {}),
          additionalPrinterColumns: options.columns,
          schema: {
            openAPIV3Schema: {
              type: "object",
              description: options.description,
              required: ["spec"],
              properties,
            },
          },
        },
      ],
    },
  };
}

export function apiKeyCrd(): Json {
  const { description: _schemaDescription, ...spec } = toStructural(API_KEY_SCHEMA) as Json;
  return crd({
    plural: "apikeys",
    singular: "apikey",
    kind: "ApiKey",
    shortNames: ["ak"],
    scope: "Namespaced",
    description:
      "An Ayra API key managed by the ayra-keys controller: created, written into a Secret, rotated on schedule with a grace period, and revoked. The key value is only ever in the Secret.",
    spec: {
      ...spec,
      description:
        "The desired state of one Ayra API key: its name, environment, scopes, lifetime and rotation schedule, and where the controller delivers it. The same spec (less the Kubernetes-only fields) is the Pulumi ApiKey's inputs.",
    },
    status: STATUS_SCHEMA,
    columns: [
      { name: "Env", type: "string", jsonPath: ".spec.environment" },
      { name: "Key", type: "string", jsonPath: ".status.redacted" },
      { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      // A string, not a date: kubectl renders a date column as an age and prints <invalid> for any instant in
      // the future. The RFC 3339 timestamp stays true between status writes, where "in 5d" would go stale.
      {
        name: "Next rotation",
        type: "string",
        jsonPath: ".status.nextRotationAt",
        description: "When the next scheduled rotation falls due (RFC 3339, UTC).",
      },
      {
        name: "Secret",
        type: "string",
        jsonPath: ".status.secretName",
        description: "The Secret that holds the key.",
      },
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
      {
        name: "Reason",
        type: "string",
        priority: 1,
        jsonPath: '.status.conditions[?(@.type=="Ready")].reason',
        description: "Why the ApiKey is (or is not) Ready.",
      },
    ],
  });
}

export function apiKeyPolicyCrd(): Json {
  return crd({
    plural: "apikeypolicies",
    singular: "apikeypolicy",
    kind: "ApiKeyPolicy",
    shortNames: ["akp"],
    scope: "Cluster",
    description:
      "Which namespaces may request which Ayra keys. Policies only grant: a key is minted when the built-in baseline (test keys without admin, write or api_keys:* scopes) or any policy selecting its namespace allows its environment, every one of its scopes and its lifetime.",
    spec: {
      type: "object",
      description: "The namespaces this policy selects and what it allows there.",
      required: ["environments", "scopes"],
      "x-kubernetes-validations": [
        {
          rule: "has(self.namespaces) || has(self.namespaceSelector)",
          message: "set namespaces or namespaceSelector: a policy must say which namespaces it selects",
        },
      ],
      properties: {
        namespaces: {
          type: "array",
          description: 'Namespace names this policy selects; "*" selects every namespace.',
          items: { type: "string", maxLength: 63 },
          "x-kubernetes-list-type": "set",
        },
        namespaceSelector: {
          type: "object",
          description: "Selects namespaces by their labels.",
          properties: {
            matchLabels: { type: "object", additionalProperties: { type: "string" } },
          },
        },
        environments: {
          type: "array",
          description: "Environments keys may be requested in: live, test.",
          items: { type: "string", enum: ["live", "test"] },
          "x-kubernetes-list-type": "set",
        },
        scopes: {
          type: "array",
          description: "Scopes a key may have. admin:full is allowed only when listed; it is never implied.",
          items: { type: "string", enum: [...SCOPES] },
          "x-kubernetes-list-type": "set",
        },
        maxLifetime: {
          type: "string",
          maxLength: 32,
          pattern: DURATION_PATTERN_SOURCE,
          description:
            "The longest lifetime a key may have (90d, P90D); a key that never expires is then refused.",
        },
      },
    },
    columns: [
      { name: "Environments", type: "string", jsonPath: ".spec.environments" },
      { name: "Max lifetime", type: "string", jsonPath: ".spec.maxLifetime" },
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
    ],
  });
}

export const CRD_FILES = {
  "apikeys.keys.ayra.ai.yaml": apiKeyCrd,
  "apikeypolicies.keys.ayra.ai.yaml": apiKeyPolicyCrd,
} as const;

const HEADER = "# Generated by `ayra-keys crd` from schemas/apikey.schema.json; do not edit by hand.\n";

export function renderCrdYaml(doc: Json): string {
  // No anchors or aliases: some tools that read CRDs (and people) do not follow them.
  return `${HEADER}${stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}

/** Both CRDs as one multi-document YAML stream. */
export function renderAllCrds(): string {
  return Object.values(CRD_FILES)
    .map((make) => renderCrdYaml(make()))
    .join("---\n");
}
