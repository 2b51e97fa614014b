# syntax=docker/dockerfile:1
# Node 24 is the LTS line that better-sqlite3 12 (our embedded store) builds against;
# the runtime floor stays Node >= 20.18 for people running from npm. .ci/run reads this
# line and runs the whole suite on exactly this Node too. Pinned below 24.19: from 24.19
# node::ObjectWrap's destructor asserts an entered context, and better-sqlite3 12's
# Statement (an ObjectWrap) collected by an idle GC aborts the process (SIGABRT; seen in
# CI on 24.21 in the store tests). Move past it with better-sqlite3 13.
ARG NODE_VERSION=24.18.0

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json biome.json ./
COPY src ./src
COPY test ./test
COPY bench ./bench
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production
# V8's young generation capped at 2 MiB semi-spaces (default: grows to 16): 15-20 MiB less
# resident memory at the peak of a saturating load, for 10-15% more CPU per request (the
# sidecar keeps more young objects alive per request than a bare proxy, so each of the more
# frequent young collections copies more): side by side on one core, 5 rounds of 20,000
# requests, 74.5 vs 67.0 µs/req and peak RSS 107.0 vs 121.6 MiB (the lean floor: 49.0 µs,
# 106.6 MiB, unaffected by the setting). On this image's Node 24 the same trade, measured
# the same way: 9% more CPU per request (0.91 of it without the cap, 6 of 6 rounds) for
# 40-48 MiB less RSS after load; idle is the same either way (`run` shrinks what startup
# grew). `npm run bench` starts the sidecar with this NODE_OPTIONS. Where CPU is dearer than
# memory, run with NODE_OPTIONS="" instead.
ENV NODE_OPTIONS="--max-semi-space-size=2"
# glibc's malloc with one arena for every thread, and free memory above 64 KiB at the top of
# it given back: V8's worker threads (concurrent compile and GC) otherwise each keep an arena
# of freed pages, and the trim threshold glibc raises on its own kept more. Idle RSS with
# config/klarna.yaml 81.2 -> 73.4 MiB (medians of 7 interleaved starts, 77.2-84.2 vs
# 72.9-75.4; MALLOC_ARENA_MAX=1 alone 74.1); CPU per request 1.00x (28 side-by-side rounds
# on one core, 0.91-1.09); the peak under load no clear change; replay's parse workers as
# fast (945-976k vs 933-936k lines/s). `npm run bench` starts the sidecar with these too.
# Other C libraries (musl) ignore them.
ENV MALLOC_ARENA_MAX=1 MALLOC_TRIM_THRESHOLD_=65536
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY package.json LICENSE ./
COPY config ./config
RUN mkdir -p /etc/sloprobe /var/lib/sloprobe && cp config/klarna.yaml /etc/sloprobe/sloprobe.yaml \
  && chown -R node:node /var/lib/sloprobe
# Non-root, and by number: the image's `node` user is 1000:1000, and a numeric USER lets
# Kubernetes' runAsNonRoot verify it without a runAsUser. The root filesystem can be mounted
# read-only: the data volume is the only path sloprobe writes, SQLite's temporary files
# included (SQLITE_TMPDIR); a tmpfs on /tmp is for whatever else a library might write:
#   docker run --read-only --tmpfs /tmp -v sloprobe-data:/var/lib/sloprobe --ulimit nofile=65536 ...
USER 1000:1000
EXPOSE 8080 9464
VOLUME ["/var/lib/sloprobe"]
ENV SQLITE_TMPDIR=/var/lib/sloprobe
ENV SLOPROBE_CONFIG=/etc/sloprobe/sloprobe.yaml
# One setting for the admin address, read by both `run` and `health`: change it with
# `-e SLOPROBE_ADMIN=0.0.0.0:9100` and the health check follows (a wildcard host is asked
# on loopback).
ENV SLOPROBE_ADMIN=0.0.0.0:9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["node", "dist/src/cli/main.js", "health", "--timeout", "2s"]
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["run", "--data-dir", "/var/lib/sloprobe"]
