#!/usr/bin/env bash
# Makes localhost/debian:bookworm from Debian's packages (debootstrap --variant=minbase) with the host's CA
# certificates inside, so that apt and pip in an image build trust what the host trusts. The root file system
# tarball is cached under ~/.cache/dvk/ (XDG_CACHE_HOME), so a second run only imports it.
set -euo pipefail
cache="${XDG_CACHE_HOME:-$HOME/.cache}/dvk"
tarball="$cache/debian-bookworm-minbase.tar"
image=localhost/debian:bookworm
mkdir -p "$cache"

mirror() {
  # The Debian mirror the host's apt uses for bookworm (one-line .list or deb822 .sources files).
  local m=""
  shopt -s nullglob
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    m=$(awk '$1 == "deb" { for (i = 2; i < NF; i++) if ($i ~ /^https?:/ && $(i+1) == "bookworm") { print $i; exit } }' "$f")
    [ -n "$m" ] && break
  done
  if [ -z "$m" ]; then
    for f in /etc/apt/sources.list.d/*.sources; do
      m=$(awk 'BEGIN { RS = ""; FS = "\n" }
        { uri = ""; ok = 0
          for (i = 1; i <= NF; i++) {
            if ($i ~ /^URIs:/) { split($i, a, /[ \t]+/); uri = a[2] }
            if ($i ~ /^Suites:/ && $i ~ /[ \t]bookworm([ \t]|$)/) ok = 1
          }
          if (ok && uri != "") { print uri; exit } }' "$f")
      [ -n "$m" ] && break
    done
  fi
  shopt -u nullglob
  echo "${m:-http://deb.debian.org/debian}"
}

if [ ! -s "$tarball" ]; then
  root=$(mktemp -d "${TMPDIR:-/tmp}/dvk-rootfs.XXXXXX")
  trap 'rm -rf "$root"' EXIT
  url=$(mirror)
  echo "debootstrap --variant=minbase bookworm from $url"
  debootstrap --variant=minbase bookworm "$root" "$url" >"$root.log" 2>&1 || { tail -n 30 "$root.log"; exit 1; }
  rm -f "$root.log"
  # The same mirror for apt-get inside builds; the host's CA certificates (system bundle and local additions).
  printf 'deb %s bookworm main\ndeb %s bookworm-updates main\n' "$url" "$url" >"$root/etc/apt/sources.list"
  mkdir -p "$root/etc/ssl/certs" "$root/usr/local/share/ca-certificates"
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  for crt in /usr/local/share/ca-certificates/*; do
    [ -e "$crt" ] && cp -r "$crt" "$root/usr/local/share/ca-certificates/"
  done
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -cf "$tarball.partial" .
  mv "$tarball.partial" "$tarball"
fi

if ! podman image exists "$image" || [ "$tarball" -nt "$cache/debian-bookworm.imported" ]; then
  podman import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
    --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
    --change 'ENV REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt' \
    --change 'CMD ["/bin/bash"]' \
    - "$image" <"$tarball" >/dev/null
  touch "$cache/debian-bookworm.imported"
fi
echo "$image ready"
