# The ayra-keys image (controller and keys service). Not built in CI: the development machine has no
# container runtime. Build: docker build -t ghcr.io/ayra-ai/ayra-keys:0.1.0 .
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY cli ./cli
COPY core ./core
COPY controller ./controller
COPY keyservice ./keyservice
COPY provider ./provider
COPY review ./review
COPY schemas ./schemas
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev --ignore-scripts

FROM gcr.io/distroless/nodejs24-debian12:nonroot
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/schemas ./schemas
USER 65532:65532
ENV NODE_ENV=production
EXPOSE 8080
ENTRYPOINT ["/nodejs/bin/node", "/app/dist/cli/main.js"]
CMD ["controller", "--listen", "0.0.0.0:8080"]
