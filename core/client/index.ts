// The keys-API client's public surface; import from here, not from the files behind it.
export {
  type CallOptions,
  createKeysClient,
  type IntrospectOptions,
  type KeysClient,
  type PostOptions,
} from "./client.ts";
export {
  type ClientErrorCode,
  isKeysApiError,
  isKeysApiNetworkError,
  KeysApiError,
  type KeysApiErrorCode,
  KeysApiNetworkError,
  maskSecrets,
  type NetworkFailure,
} from "./errors.ts";
export { newIdempotencyKey } from "./idempotency.ts";
export {
  CLIENT_DEFAULTS,
  type KeysClientOptions,
  type KeysFetch,
  type KeysFetchResponse,
} from "./options.ts";
export type { KeysRequestInfo } from "./request.ts";
export { revokeUnlessGone } from "./revoke-unless-gone.ts";
export type * from "./types.ts";
