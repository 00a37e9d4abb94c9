// The ApiKey and ApiKeyPolicy objects as the controller sees them, and their paths.

import { API_GROUP, API_VERSION, type ApiKeyStatus } from "../../core/planner/types.ts";
import type { ApiKeyPolicySpec } from "../../core/policy/evaluate.ts";
import type { KubeObject, ObjectMeta } from "../kube/types.ts";

/** As the API server stores it: a namespaced object always has its namespace and uid. */
export interface ApiKeyObject extends KubeObject {
  metadata: ObjectMeta & { namespace: string; uid: string };
  spec: unknown;
  status?: ApiKeyStatus;
}

export interface ApiKeyPolicyObject extends KubeObject {
  spec: ApiKeyPolicySpec;
}

export const API_KEY_API_VERSION = `${API_GROUP}/${API_VERSION}`;

export const paths = {
  apiKeys: (namespace?: string) =>
    namespace
      ? `/apis/${API_GROUP}/${API_VERSION}/namespaces/${namespace}/apikeys`
      : `/apis/${API_GROUP}/${API_VERSION}/apikeys`,
  apiKey: (namespace: string, name: string) =>
    `/apis/${API_GROUP}/${API_VERSION}/namespaces/${namespace}/apikeys/${name}`,
  apiKeyStatus: (namespace: string, name: string) =>
    `/apis/${API_GROUP}/${API_VERSION}/namespaces/${namespace}/apikeys/${name}/status`,
  policies: () => `/apis/${API_GROUP}/${API_VERSION}/apikeypolicies`,
  secrets: (namespace?: string) =>
    namespace ? `/api/v1/namespaces/${namespace}/secrets` : "/api/v1/secrets",
  secret: (namespace: string, name: string) => `/api/v1/namespaces/${namespace}/secrets/${name}`,
  namespaces: () => "/api/v1/namespaces",
  workload: (namespace: string, kind: string, name: string) =>
    `/apis/apps/v1/namespaces/${namespace}/${kind.toLowerCase()}s/${name}`,
};
