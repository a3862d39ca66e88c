# muster as a container image: the single executable (dist/muster-linux-x64) and nothing else it
# does not need. Built by scripts/build-images.sh, which stages the build context:
#   rootfs/usr/local/bin/muster          the executable
#   rootfs/lib*/…                        the shared libraries `ldd` names (libc, libstdc++, …), at those paths
#   rootfs/etc/ssl/certs/ca-certificates.crt
#   rootfs/etc/{passwd,group,nsswitch.conf}   root only; hosts: files dns
#   rootfs/tmp (1777), rootfs/run, rootfs/root, rootfs/etc/muster
# FROM scratch: no base image can be pulled here, and a Debian base made with debootstrap would
# need a mirror and ~150 MB for an executable that needs only libc and libstdc++.
#
# NodeReg's usage (the host's root mounted at /media/root, `root: /media/root` in the config):
#   docker run --rm --network host -v /:/media/root -v "$PWD/my.yaml:/etc/muster/muster.yaml:ro" \
#     muster -c /etc/muster/muster.yaml boot
FROM scratch
COPY rootfs/ /
ARG VERSION=unknown
LABEL org.opencontainers.image.title="muster" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ENTRYPOINT ["/usr/local/bin/muster"]
CMD ["--help"]
