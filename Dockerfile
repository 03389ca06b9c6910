# rivulet's agent image: Bun (the primary runtime) with the agent's sources and runtime dependencies.
# Build: docker build -t rivulet .   Run in a tenant namespace with deploy/tenant/ applied; the agent
# uses the pod's ServiceAccount (in-cluster config) and its namespace by default.
FROM oven/bun:1.4.4-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Runtime dependencies only; the toolchain (bun, deno, typescript) is not needed in the image.
RUN bun install --production --frozen-lockfile --ignore-scripts

FROM oven/bun:1.4.4-slim
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY agent ./agent
COPY wasm ./wasm
COPY crds ./crds
COPY deploy ./deploy
USER 65532:65532
# Artifacts are kept on a volume so a restarted agent serves and reuses them.
VOLUME /data
# Probes, metrics and webhooks. The artifacts listen on --storage-addr, 127.0.0.1:9090 unless opened
# (README: "Who can read the artifacts").
EXPOSE 9440
ENTRYPOINT ["bun", "agent/main.ts"]
CMD ["run", "--storage-path", "/data", "--health-addr", "0.0.0.0:9440"]
