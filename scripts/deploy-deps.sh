#!/usr/bin/env bash
# System packages `make test-deploy` needs: a daemonless container engine (podman with runc, buildah) and
# debootstrap to make the Debian base image locally. Installs what is missing (as root, with apt).
set -euo pipefail
missing=()
command -v podman >/dev/null || missing+=(podman)
command -v buildah >/dev/null || missing+=(buildah)
command -v runc >/dev/null || missing+=(runc)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v slirp4netns >/dev/null || missing+=(slirp4netns)
[ -e /usr/lib/podman/netavark ] || [ -e /usr/libexec/podman/netavark ] || missing+=(netavark)
[ -e /usr/lib/podman/aardvark-dns ] || [ -e /usr/libexec/podman/aardvark-dns ] || missing+=(aardvark-dns)
command -v fuse-overlayfs >/dev/null || missing+=(fuse-overlayfs)
[ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || missing+=(debian-archive-keyring)
command -v iptables >/dev/null || missing+=(iptables)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages: ${missing[*]} (install them with apt-get as root)" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
