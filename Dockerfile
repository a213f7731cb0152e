# The shop's container image for people who build with Docker: the same file
# system and configuration as `make image` (cmd/build-image, which needs no
# Docker daemon and is what the tests check): a static binary at /storefront
# owned by root, the CA certificates the AWS SDK's TLS needs, a sticky /tmp,
# /home/nonroot as the working directory owned by the runtime user
# 65532:65532, HOST=0.0.0.0, port 8000.
#
#   docker build -t storefront .
#   docker run --rm -p 8000:8000 storefront

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The same flags as cmd/build-image's buildBinary: static, reproducible.
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -buildvcs=false -ldflags='-s -w' -o /out/storefront ./cmd/storefront \
 && mkdir -p /out/tmp /out/home/nonroot \
 && chmod 1777 /out/tmp \
 && chmod 0700 /out/home/nonroot

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/tmp /tmp
COPY --from=build --chown=65532:65532 /out/home/nonroot /home/nonroot
COPY --from=build /out/storefront /storefront
USER 65532:65532
WORKDIR /home/nonroot
ENV HOST=0.0.0.0
EXPOSE 8000/tcp
ENTRYPOINT ["/storefront"]
