// Why the controller cannot reach a cluster, as a typed error: callers branch on `kind`, never on the text.
// Messages name the file(s) read and the entry at fault; they never hold a token or key.

export type KubeconfigErrorKind =
  /** No --kubeconfig, no KUBECONFIG file that exists, no ~/.kube/config, not in a Pod. */
  | "NotConfigured"
  /** --kubeconfig names a file that cannot be read. */
  | "FileUnreadable"
  /** A file is not a kubeconfig (YAML error, wrong shape). */
  | "FileInvalid"
  /** No context by that name (or no current-context and no --context). */
  | "ContextNotFound"
  | "ClusterNotFound"
  | "UserNotFound"
  /** Something the controller does not do (auth-provider, proxy-url, basic auth). */
  | "Unsupported"
  /** An exec credential plugin could not be run, failed, or printed no usable ExecCredential. */
  | "ExecFailed"
  /** In a Pod, but the service-account token or CA cannot be read. */
  | "InClusterUnreadable";

export class KubeconfigError extends Error {
  static {
    KubeconfigError.prototype.name = "KubeconfigError";
  }
  readonly kind: KubeconfigErrorKind;
  /** The kubeconfig files read, in order (empty in a Pod). */
  readonly files: readonly string[];
  constructor(kind: KubeconfigErrorKind, message: string, files: readonly string[] = []) {
    super(message);
    this.kind = kind;
    this.files = files;
  }
}

export const isKubeconfigError = (e: unknown, kind?: KubeconfigErrorKind): e is KubeconfigError =>
  e instanceof KubeconfigError && (kind === undefined || e.kind === kind);
