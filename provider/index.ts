// ayra-keys/pulumi: the ApiKey resource for Pulumi programs.
export { ApiKey, type ApiKeyArgs, type ApiKeyRotationArgs } from "./api-key.ts";
export { API_KEY_TYPE } from "./runtime/state.ts";
