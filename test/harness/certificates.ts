// A client CA for the test control plane and client certificates signed by it, so tests can act as
// real users with chosen groups (kube-apiserver maps CN to the user name and O to groups).
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

async function openssl(args: string[]): Promise<void> {
  try {
    await run("openssl", args);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? "";
    throw new Error(`openssl ${args[0]} failed: ${stderr || String(err)}`);
  }
}

export interface ClientCa {
  certPath: string;
  keyPath: string;
}

export async function createClientCa(dir: string): Promise<ClientCa> {
  const keyPath = join(dir, "client-ca.key");
  const certPath = join(dir, "client-ca.crt");
  await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", keyPath]);
  await openssl([
    "req",
    "-x509",
    "-new",
    "-key",
    keyPath,
    "-subj",
    "/CN=ayra-keys-test-client-ca",
    "-days",
    "2",
    "-out",
    certPath,
  ]);
  return { certPath, keyPath };
}

export interface ClientCertificate {
  certPem: string;
  keyPem: string;
}

/** A client certificate for `user` in `groups`, valid for two days. */
export async function issueClientCertificate(
  ca: ClientCa,
  dir: string,
  user: string,
  groups: readonly string[],
): Promise<ClientCertificate> {
  const base = join(dir, `user-${user.replace(/[^a-zA-Z0-9_.-]/g, "_")}-${Date.now()}`);
  const subject = `/CN=${escapeRdn(user)}${groups.map((g) => `/O=${escapeRdn(g)}`).join("")}`;
  await openssl([
    "genpkey",
    "-algorithm",
    "EC",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-out",
    `${base}.key`,
  ]);
  await openssl(["req", "-new", "-key", `${base}.key`, "-subj", subject, "-out", `${base}.csr`]);
  await openssl([
    "x509",
    "-req",
    "-in",
    `${base}.csr`,
    "-CA",
    ca.certPath,
    "-CAkey",
    ca.keyPath,
    "-CAcreateserial",
    "-days",
    "2",
    "-out",
    `${base}.crt`,
  ]);
  return { certPem: await readFile(`${base}.crt`, "utf8"), keyPem: await readFile(`${base}.key`, "utf8") };
}

function escapeRdn(value: string): string {
  return value.replace(/[/\\=+,]/g, (c) => `\\${c}`);
}
