#!/usr/bin/env bash
# Installs, from Debian's packages, what the end-to-end tests and the demo use: a real
# registry (docker-registry), htpasswd, openssl, the AWS CLI, a forward proxy (tinyproxy) and,
# when missing, the docker CLI.
set -euo pipefail

need=()
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v htpasswd >/dev/null || need+=(apache2-utils)
command -v openssl >/dev/null || need+=(openssl)
[ -x /usr/bin/aws ] || need+=(awscli)
command -v docker >/dev/null || need+=(docker.io)
for cli in podman buildah skopeo; do command -v "$cli" >/dev/null || need+=("$cli"); done
command -v tinyproxy >/dev/null || need+=(tinyproxy)

if [ ${#need[@]} -eq 0 ]; then
  echo "All test prerequisites are installed."
  exit 0
fi
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "Run as root to install: ${need[*]}" >&2
    exit 1
  fi
  as_root=(sudo)
fi
run() { "${as_root[@]}" "$@"; }
run env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# Installing must not start the packaged registry service; the tests start their own.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  run sh -c "printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d"
  trap 'run rm -f /usr/sbin/policy-rc.d' EXIT
fi
run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "Installed: ${need[*]}"
