# The ayra-keys image (controller and keys service): the published npm package, installed exactly as
# test/e2e/install/package.test.ts installs it — `npm pack` of this checkout, then `npm install --omit=dev
# --omit=peer` of that tarball into an empty folder — so the image holds what that test ran.
# Build: docker build -t ghcr.io/ayra-ai/ayra-keys:0.1.0 .   (docs/install-package.md says what was run where)

# 1. Build and pack, with the dev dependencies (TypeScript) from the lockfile.
FROM node:24.21.0-bookworm-slim AS pack
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: the build needs none (the `node` dev dependency's binary is not used here).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build && npm pack --ignore-scripts --pack-destination /pkg && mv /pkg/ayra-keys-*.tgz /pkg/ayra-keys.tgz

# 2. Install the tarball into an empty folder: production dependencies only, no peers (the Pulumi SDKs are for
#    Pulumi programs; the command never loads them).
FROM node:24.21.0-bookworm-slim AS install
WORKDIR /app
COPY --from=pack /pkg/ayra-keys.tgz /tmp/ayra-keys.tgz
RUN echo '{"name":"ayra-keys-image","private":true}' > package.json \
  && npm install --omit=dev --omit=peer --no-audit --no-fund /tmp/ayra-keys.tgz \
  && rm /tmp/ayra-keys.tgz

# 3. Run on distroless Node 24 as non-root; nothing but Node and the installed package.
FROM gcr.io/distroless/nodejs24-debian12:nonroot
WORKDIR /app
COPY --from=install /app/node_modules ./node_modules
USER 65532:65532
ENV NODE_ENV=production
EXPOSE 8080
ENTRYPOINT ["/nodejs/bin/node", "/app/node_modules/ayra-keys/dist/cli/main.js"]
CMD ["controller", "--listen", "0.0.0.0:8080"]
