# zramfs container image (doc/containers.md).  Build: make image
# (docker or podman).  Two stages on Debian 12: the build stage has the
# -dev packages and the compiler; the runtime stage only the libraries the
# daemon links against and the tools the scripts run.
# test/integration/container_image.sh checks every package name below
# against Debian 12 and runs the build stage's steps outside a container;
# test/integration/container_run.sh builds the image with podman and runs
# it.

# BASE: the image both stages start from (a test builds on a local copy)
ARG BASE=debian:12-slim
FROM ${BASE} AS build
# build packages
RUN apt-get update && \
    apt-get install -y --no-install-recommends \
        build-essential pkg-config libfuse3-dev liblz4-dev libzstd-dev \
        libjansson-dev liblzo2-dev zlib1g-dev && \
    rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN make clean && make -j"$(nproc)" zramfs && etc/container/install.sh /out

FROM ${BASE}
# runtime packages: libfuse3-3 liblz4-1 libzstd1 libjansson4 liblzo2-2
# zlib1g are what zramfs links against; fuse3 brings fusermount3 and
# /etc/fuse.conf; mount has losetup, swapon, mount; util-linux mkswap
RUN apt-get update && \
    apt-get install -y --no-install-recommends \
        libfuse3-3 liblz4-1 libzstd1 libjansson4 liblzo2-2 zlib1g \
        fuse3 mount util-linux && \
    rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /
ENV ZRAMFS_MNT=/run/zramfs
# PID 1: forwards SIGTERM to the daemon and repeats it until the daemon,
# which refuses while an image is open, exits (doc/containers.md)
ENTRYPOINT ["/usr/local/bin/zramfs-entrypoint"]
