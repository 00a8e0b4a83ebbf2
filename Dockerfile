# syntax=docker/dockerfile:1
#
# The hanko-gin backend: a static, CGO-free binary on a distroless, non-root image.
#   docker build -t hanko-gin .
#   docker run --rm -p 5001:5001 -e HANKO_API_URL=https://<your-tenant>.hanko.io hanko-gin
# docker-compose.yml builds and runs it next to a self-hosted Hanko.

# Keep this in step with the `go` line in go.mod (deploy/composecheck checks it):
# the official image pins GOTOOLCHAIN=local, so an older Go cannot build the module.
ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION} AS build
WORKDIR /src

# Dependencies first, so this layer stays cached until go.mod/go.sum change.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download

COPY . .
# The same build command CI runs (CGO_ENABLED=0, -trimpath, -ldflags="-s -w").
# Run through bash so a checkout without the executable bit (Windows) still builds.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    bash scripts/build.sh /out/hanko-gin \
 && mkdir -p /out/data

# distroless/static: CA certificates and tzdata, no shell, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/hanko-gin /hanko-gin
# Without DATABASE_URL the backend writes SQLite to ./data/; give the non-root
# user a writable one (mount a volume here to keep it).
WORKDIR /app
COPY --from=build --chown=nonroot:nonroot /out/data /app/data
USER nonroot:nonroot
ENV PORT=5001
EXPOSE 5001
# `healthcheck` GETs http://127.0.0.1:$PORT/healthz and exits 0 or 1.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/hanko-gin", "healthcheck"]
ENTRYPOINT ["/hanko-gin"]
