// The dashboard's built page (web/dist: index.html and hashed assets), served from memory. The bundle's
// file list is read once: a request names one of those files exactly or gets 404, so no path a client
// writes (.., encoded slashes, symlinks added later) reaches the file system. While the bundle is missing,
// GET / says how to build it; each such request looks again, so a build while the service runs is picked up.
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The page's headers: a strict CSP (no inline script or style anywhere), no framing, no sniffing, no referrer. */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".txt": "text/plain; charset=utf-8",
};

/** esbuild's `[name]-[hash]` names: a content hash of 8 or more base32 characters before the extension. */
const HASHED = /-[A-Z0-9]{8,}\.[a-z0-9]+$/i;

interface Asset {
  body: Buffer;
  contentType: string;
  cacheControl: string;
}

export interface StaticBundle {
  /** True when it answered (GET or HEAD of / or /assets/…); false leaves the request to the API. */
  serve(method: string, path: string, res: ServerResponse, headers: Record<string, string>): boolean;
}

/** The folder holding this package's package.json: the checkout from source, the package from dist/. */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export function defaultWebDir(): string {
  return join(packageRoot(), "web", "dist");
}

function load(dir: string): Map<string, Asset> | undefined {
  const index = join(dir, "index.html");
  if (!existsSync(index)) return undefined;
  const files = new Map<string, Asset>();
  files.set("/", {
    body: readFileSync(index),
    contentType: CONTENT_TYPES[".html"] ?? "",
    cacheControl: "no-store",
  });
  const assets = join(dir, "assets");
  if (existsSync(assets) && statSync(assets).isDirectory())
    for (const name of readdirSync(assets, { recursive: true, encoding: "utf8" })) {
      const file = join(assets, name);
      // Regular files only (no symlink out of the bundle); names are matched exactly, so only plain
      // URL-safe names are offered.
      if (!lstatSync(file).isFile() || !/^[A-Za-z0-9._/-]+$/.test(name) || name.split("/").includes(".."))
        continue;
      files.set(`/assets/${name}`, {
        body: readFileSync(file),
        contentType: CONTENT_TYPES[extname(name).toLowerCase()] ?? "application/octet-stream",
        cacheControl: HASHED.test(name) ? "public, max-age=31536000, immutable" : "no-cache",
      });
    }
  return files;
}

export function loadStaticBundle(dir: string): StaticBundle {
  let files = load(dir);
  return {
    serve(method, path, res, headers) {
      if (method !== "GET" && method !== "HEAD") return false;
      if (path !== "/" && !path.startsWith("/assets/")) return false;
      if (!files && path === "/") files = load(dir);
      const asset = files?.get(path);
      if (!asset) {
        const missing = !files;
        const text = missing
          ? `The dashboard is not built: ${join(dir, "index.html")} is missing. Run \`npm run build\` in the ayra-keys checkout, then reload.\n`
          : "Not found.\n";
        res.writeHead(missing && path === "/" ? 503 : 404, {
          ...headers,
          ...PAGE_SECURITY_HEADERS,
          "content-type": "text/plain; charset=utf-8",
          "content-length": Buffer.byteLength(text),
          "cache-control": "no-store",
          ...(missing ? { "retry-after": "5" } : {}),
        });
        res.end(method === "HEAD" ? undefined : text);
        return true;
      }
      res.writeHead(200, {
        ...headers,
        ...PAGE_SECURITY_HEADERS,
        "content-type": asset.contentType,
        "content-length": asset.body.length,
        "cache-control": asset.cacheControl,
      });
      res.end(method === "HEAD" ? undefined : asset.body);
      return true;
    },
  };
}
