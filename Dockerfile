# Perigate: multi-stage build. Build stage compiles a release binary; the runtime image carries
# only the binary, libxml2 and the schemas, and runs as a non-root user.
FROM swift:6.1-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libxml2-dev zlib1g-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
RUN swift build -c release --product perigate -Xswiftc -static-stdlib \
    && cp "$(swift build -c release --show-bin-path)/perigate" /perigate

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libxml2 zlib1g ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/perigate --create-home perigate
COPY --from=build /perigate /usr/local/bin/perigate
COPY Schemas /opt/perigate/Schemas
ENV PERIGATE_SCHEMA_DIR=/opt/perigate/Schemas
USER perigate
WORKDIR /var/lib/perigate
ENTRYPOINT ["/usr/local/bin/perigate"]
CMD ["schemas"]
