// Which Secret holds the controller's own key; parsed by the CLI without loading the controller.

export interface CredentialSecretRef {
  namespace: string;
  name: string;
  /** The data field holding the key; default `api-key`. */
  key: string;
}

/** `[NAMESPACE/]NAME` as given to --credential-secret. */
export function parseSecretRef(text: string, defaultNamespace: string, key = "api-key"): CredentialSecretRef {
  const parts = text.split("/");
  const dns = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
  const [namespace, name] = parts.length === 2 ? [parts[0] ?? "", parts[1] ?? ""] : [defaultNamespace, text];
  if (
    parts.length > 2 ||
    !dns.test(namespace) ||
    !dns.test(name) ||
    name.length > 253 ||
    namespace.length > 63
  )
    throw new TypeError(
      "--credential-secret must be [NAMESPACE/]NAME of a Secret (lowercase letters, digits, '-' and '.')",
    );
  if (!/^[-._a-zA-Z0-9]+$/.test(key))
    throw new TypeError("--credential-secret-key must be a Secret data key (letters, digits, '-', '_', '.')");
  return { namespace, name, key };
}
