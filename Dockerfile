# driftwatch container image: `docker build -t driftwatch .`
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY detectors ./detectors
COPY bench ./bench
COPY examples ./examples
RUN npm ci && npm prune --omit=dev

FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# A 32 MB young generation: kafkajs allocates per record, and the default (16 MB) promotes and
# collects more of it (docs/kafka.md, "Tuning").
ENV NODE_OPTIONS=--max-semi-space-size=32
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY fixtures ./fixtures
# Where the deploy config writes alerts and dead letters; owned by the user the job runs as.
RUN mkdir -p /var/lib/driftwatch && chown node:node /var/lib/driftwatch
USER node
ENTRYPOINT ["node", "dist/src/cli/bin.js"]
# Prometheus metrics (telemetry.prometheus in the config)
EXPOSE 9464
CMD ["run", "--config", "/etc/driftwatch/driftwatch.yaml"]
