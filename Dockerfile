# Perigate: multi-stage build. Build stage compiles a release binary; the runtime image carries
# only the binary, libxml2 and the schemas, and runs as a non-root user.
# Swift 6.2 or later: Hummingbird 2.28 and swift-configuration need tools version 6.2.
FROM swift:6.2-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libxml2-dev zlib1g-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product perigate -Xswiftc -static-stdlib \
    && cp "$(swift build -c release --show-bin-path)/perigate" /perigate

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libxml2 zlib1g ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/perigate --create-home perigate \
    && install -d -m 0700 -o perigate -g perigate /var/lib/perigate-keys
COPY --from=build /perigate /usr/local/bin/perigate
COPY Schemas /usr/local/share/perigate/Schemas
# The schemas are found in /usr/local/share/perigate/Schemas without a setting; the audit signing
# key lives in a volume of its own, never in the data volume (docs/audit.md).
ENV PERIGATE_DB=/var/lib/perigate/perigate.sqlite \
    PERIGATE_AUDIT_KEY_DIRECTORY=/var/lib/perigate-keys \
    PERIGATE_HOST=0.0.0.0
USER perigate
WORKDIR /var/lib/perigate
VOLUME /var/lib/perigate
VOLUME /var/lib/perigate-keys
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/perigate"]
# The gateway; `docker run … perigate partner add --name … --type … --ura …` manages partners.
CMD ["serve"]
