// The credential to send now, per client: a fixed token; a token file re-read every minute (a projected or
// bound service-account token rotates under the process); or an exec plugin's credential, cached until its
// expirationTimestamp and re-run then. After a 401 the cache is dropped, so the next request reads or runs
// afresh (a token revoked early, a plugin whose cached token the server no longer accepts).
import { readFileSync } from "node:fs";
import type { KubeAccess } from "./kubeconfig.ts";
import { KubeconfigError } from "./kubeconfig-errors.ts";
import { type ExecCredential, runExecPlugin } from "./kubeconfig-exec.ts";

export interface Credential {
  token?: string;
  /** A client certificate from an exec plugin (a kubeconfig's own certificate is set on the agent). */
  cert?: Buffer;
  key?: Buffer;
}

const TOKEN_FILE_TTL_MS = 60_000;
// Re-run a plugin a little before its credential expires, so no request is sent with one about to lapse.
const EXPIRY_MARGIN_MS = 10_000;

export interface KubeCredentialsOptions {
  now?: () => number;
  runExec?: typeof runExecPlugin;
}

export class KubeCredentials {
  readonly #access: KubeAccess;
  readonly #now: () => number;
  readonly #runExec: typeof runExecPlugin;
  #cached: { credential: Credential; until: number } | undefined;
  #running: Promise<Credential> | undefined;
  /** How many times the exec plugin ran (observable in tests and debug logs). */
  execRuns = 0;

  constructor(access: KubeAccess, options: KubeCredentialsOptions = {}) {
    this.#access = access;
    this.#now = options.now ?? Date.now;
    this.#runExec = options.runExec ?? runExecPlugin;
  }

  /** Whether a 401 can be cured by reading or running again. */
  get refreshable(): boolean {
    return this.#access.exec !== undefined || this.#access.tokenFile !== undefined;
  }

  /** Forget the cached credential (after a 401). */
  invalidate(): void {
    this.#cached = undefined;
  }

  async current(): Promise<Credential> {
    const cached = this.#cached;
    if (cached !== undefined && this.#now() < cached.until) return cached.credential;
    const a = this.#access;
    if (a.exec !== undefined) return this.#exec();
    if (a.tokenFile !== undefined) {
      const credential = { token: readTokenFile(a.tokenFile) };
      this.#cached = { credential, until: this.#now() + TOKEN_FILE_TTL_MS };
      return credential;
    }
    return a.token !== undefined ? { token: a.token } : {};
  }

  // One run at a time: requests that arrive while the plugin runs wait for the same credential.
  #exec(): Promise<Credential> {
    const exec = this.#access.exec;
    if (exec === undefined) return Promise.resolve({});
    this.#running ??= (async () => {
      try {
        this.execRuns++;
        const got: ExecCredential = await this.#runExec(exec);
        const credential: Credential = {
          ...(got.token !== undefined ? { token: got.token } : {}),
          ...(got.cert !== undefined ? { cert: got.cert, key: got.key } : {}),
        };
        // A credential that lives shorter than the margin is still used until it expires.
        const until =
          got.expiresAt === undefined
            ? Number.POSITIVE_INFINITY
            : got.expiresAt - EXPIRY_MARGIN_MS > this.#now()
              ? got.expiresAt - EXPIRY_MARGIN_MS
              : got.expiresAt;
        this.#cached = { credential, until };
        return credential;
      } finally {
        this.#running = undefined;
      }
    })();
    return this.#running;
  }
}

function readTokenFile(file: string): string {
  try {
    return readFileSync(file, "utf8").trim();
  } catch (e) {
    throw new KubeconfigError(
      "FileUnreadable",
      `token file ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}
