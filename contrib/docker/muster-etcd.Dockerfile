# etcd-bootstrap's image contract with muster: the container's arguments are etcd's flags;
# muster forms the cluster (create, join as a learner, or restart), then runs etcd with the
# computed ETCD_* environment plus those flags, forwards SIGTERM/SIGINT/SIGHUP/SIGQUIT, promotes a
# learner once it is in sync, and exits with etcd's exit code.
# Built by scripts/build-images.sh: the same rootfs/ as muster.Dockerfile (the same first layer,
# shared with the muster image), plus etcd/ with Debian's /usr/bin/etcd and /usr/bin/etcdctl and
# any library they need that rootfs/ lacks, and an empty /var/lib/etcd.
# FROM scratch for the reasons in muster.Dockerfile.
#
# Config: a muster config (-v my.yaml:/etc/muster/muster.yaml and -e MUSTER_CONFIG=/etc/muster/muster.yaml),
# or etcd-bootstrap's flags in ETCD_BOOTSTRAP_FLAGS (no config needed):
#   docker run --network host -v etcd-data:/var/lib/etcd -e MUSTER_CONFIG=/etc/muster/muster.yaml \
#     -v "$PWD/node.yaml:/etc/muster/muster.yaml:ro" muster-etcd --heartbeat-interval 100
# There is no shell, so a healthcheck takes the exec form and the client URL the config gives,
# e.g. in compose: test: ["CMD", "etcdctl", "--endpoints", "http://10.0.0.11:2379", "endpoint", "health"]
# muster runs as PID 1: SIGTERM/SIGINT end it at once while it forms, and go to etcd once it runs.
FROM scratch
COPY rootfs/ /
COPY etcd/ /
ARG VERSION=unknown
LABEL org.opencontainers.image.title="muster-etcd" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    ETCDCTL_API=3
VOLUME /var/lib/etcd
EXPOSE 2379 2380
ENTRYPOINT ["/usr/local/bin/muster", "etcd", "exec", "--"]
