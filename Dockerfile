# alert-publisher: build, then a slim runtime with production dependencies only
# (docs/operations.md, "Container"). test/deploy/container.test.ts runs these steps outside
# Docker and starts the result: keep the runtime stage free of RUN steps.
#   docker build -t alert-publisher .
#   docker run -p 8080:8080 -v ap-data:/data alert-publisher

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY ui ./ui
COPY scripts/build-ui.ts ./scripts/
COPY migrations ./migrations
COPY examples ./examples
RUN npm run build && npm prune --omit=dev --no-audit --no-fund && mkdir data

FROM node:24-bookworm-slim
# The bundled config (examples/alert-publisher.yaml) unless ALERT_PUBLISHER_CONFIG names a
# mounted one; either way the data lives in the /data volume.
ENV ALERT_PUBLISHER_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/migrations ./migrations
COPY --from=build /app/examples ./examples
COPY --from=build --chown=node:node /app/data /data
USER node
VOLUME /data
EXPOSE 8080
# Follows PORT; a port set only in a mounted config file needs its own healthcheck.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 8080}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself is PID 1: SIGTERM from `docker stop` or Kubernetes reaches the service.
CMD ["node", "dist/main.js"]
