# rivulet's agent image: one executable (`bun build --compile`), the shared libraries it links, CA
# certificates, the Helm engine's WASM and deploy/tenant/, the SBOM; nothing else: no shell, no package
# manager. It builds with no registry access: `FROM scratch` and a context that scripts/build-image.sh
# stages (run that script; it also computes the input hash the tag carries and writes the SBOM).
# Runs as 65532 with a read-only root filesystem: artifacts go to the /data volume, scratch files to /tmp.
FROM scratch
COPY rootfs/ /
COPY --chown=65532:65532 data/ /data/
USER 65532:65532
ENV HOME=/tmp SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
VOLUME /data
# Probes, metrics and webhooks. The artifacts listen on --storage-addr, 127.0.0.1:9090 unless opened
# (README: "Who can read the artifacts").
EXPOSE 9440
ENTRYPOINT ["/usr/local/bin/rivulet"]
CMD ["run", "--storage-path=/data", "--health-addr=0.0.0.0:9440"]
