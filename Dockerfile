# The net-higress controller image. Build from the repository root:
#   docker build -t <registry>/net-higress:<version> .
# then install the chart with --set controller.image.repository=<registry>/net-higress,controller.image.tag=<version>.
# NODE_IMAGE: the current Node LTS. CI tests on Node 20.19+ (package.json engines); Node 22 and 24 run the same code.
ARG NODE_IMAGE=node:24-slim

# Compile TypeScript with the dev dependencies.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are copied.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/build-info.mjs scripts/bundle.mjs ./scripts/
# The commit `net-higress --version` reports (the build context has no .git): --build-arg GIT_COMMIT=$(git rev-parse HEAD).
ARG GIT_COMMIT=""
RUN npx tsc -p tsconfig.build.json && GIT_COMMIT="${GIT_COMMIT}" node scripts/build-info.mjs && node scripts/bundle.mjs

# Production dependencies only (none of them has an install script). The bundle holds all but client-node, which it
# loads from here for kubeconfigs with exec plugins.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist/cli ./dist/cli
COPY --from=build /src/dist/build-info.json ./dist/
COPY bin ./bin
# Numeric, so that the chart's runAsNonRoot can verify it (the node images' "node" user is 1000).
USER 1000:1000
EXPOSE 8080 9090
# A 4 MiB young generation: V8's default (up to 16 MiB semi-spaces) costs about 30 MiB of RSS at 1,000 KIngresses
# for no measurable CPU; 1 MiB saves 5 MiB idle but promotes what a reconcile holds across an API round trip,
# and with the old-generation limit below that cost a third more CPU (npm run bench:operator at 1,000: 6.6 s
# against 4.5 s). A fixed old-generation limit: without one V8 sizes the heap from the machine's or the container's
# memory and lets it grow to up to 4x the live data between collections; with 384 MiB it grows about 1.35x (at
# 5,000 KIngresses about 135 instead of 160-220 MiB of RSS after a restart), and 20,000 KIngresses fit.
# npm run bench:operator runs the operator with the flags of this line.
ENTRYPOINT ["node", "--max-semi-space-size=4", "--max-old-space-size=384", "/app/bin/net-higress.js"]
CMD ["run"]
