# The pgferry operator image: `pgferry operator`, as run by charts/pgferry.
#
#   docker build -t ghcr.io/pgferry/pgferry:0.1.0 .
#   docker run --rm --entrypoint pgferry ghcr.io/pgferry/pgferry:0.1.0 version
#
# Two stages on Debian 12. "build" installs the build packages of scripts/setup.sh (no test
# tools: -DPGFERRY_BUILD_TESTS=OFF) and runs the same release preset as scripts/build.sh.
# The runtime stage installs only the shared libraries the binary links (checked against `ldd`
# by tests/chart/dockerfile_test.sh), CA certificates, and postgresql-client-15.
#
# pg_dump/pg_restore come from postgresql-client-15, so this image dumps sources up to
# PostgreSQL 15 (pg_dump refuses a newer server). For newer sources, add the PGDG repository
# (https://apt.postgresql.org) in the runtime stage and install e.g. postgresql-client-17:
# pgferry uses the newest /usr/lib/postgresql/*/bin, or the folder in $PGFERRY_PG_BIN.

ARG DEBIAN_IMAGE=debian:12

FROM ${DEBIAN_IMAGE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config git ca-certificates \
      libpq-dev libcpprest-dev libyaml-cpp-dev nlohmann-json3-dev prometheus-cpp-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# .git is in the context so that `pgferry version` names the commit; the checkout belongs to
# another user inside the build, hence safe.directory.
RUN git config --global --add safe.directory /src \
 && cmake --preset release -DPGFERRY_BUILD_TESTS=OFF \
 && cmake --build --preset release --target pgferry \
 && install -D -s -m 0755 build/release/operator/cli/pgferry /out/pgferry

FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates postgresql-client-15 \
      libpq5 libssl3 libyaml-cpp0.7 libcpprest2.10 \
      libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/pgferry /usr/local/bin/pgferry
# The chart mounts an emptyDir at /tmp under a read-only root filesystem.
ENV HOME=/tmp TMPDIR=/tmp
# 65532: the conventional "nonroot" UID; no passwd entry needed.
USER 65532:65532
EXPOSE 8080 8081
LABEL org.opencontainers.image.title="pgferry" \
      org.opencontainers.image.description="Migrates PostgreSQL databases; Kubernetes operator and CLI" \
      org.opencontainers.image.source="https://github.com/pgferry/pgferry"
ENTRYPOINT ["pgferry", "operator"]
