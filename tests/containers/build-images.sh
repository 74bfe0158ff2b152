#!/usr/bin/env bash
# Builds, with podman and --pull=never, the stand-ins for the images deploy/Dockerfile and docker-compose.yml name
# (python, postgres, apache/kafka, mailpit) under those very names, from localhost/debian:bookworm. Where a
# registry is reachable, DVK_STANDIN_IMAGES=0 skips this and podman pulls the official images instead.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/dvk"
stamp() { date -u +%H:%M:%S; }

# Image names as deploy/Dockerfile and docker-compose.yml give them (short names live under docker.io).
qualify() { case "$1" in */*/*) echo "$1" ;; */*) echo "docker.io/$1" ;; *) echo "docker.io/library/$1" ;; esac; }
python_image=$(sed -n 's/^ARG PYTHON_IMAGE=//p' "$root/deploy/Dockerfile" | head -n1)
[ -n "$python_image" ] || python_image=$(awk '$1 == "FROM" { print $2; exit }' "$root/deploy/Dockerfile")
compose_image() { grep -E "^\s+image:\s+([a-z0-9.-]+/)*$1:" "$root/docker-compose.yml" | head -n1 | awk '{print $2}'; }
postgres_image=$(compose_image postgres)
kafka_image=$(compose_image kafka)
mailpit_image=$(compose_image mailpit)

"$here/base-image.sh"

build() {  # build <name> <context>
  echo "[$(stamp)] podman build --pull=never $(qualify "$1")"
  podman build --pull=never -q -t "$(qualify "$1")" -f "$2/Containerfile" "$2" >/dev/null
}

build "$python_image" "$here/python"
build "$postgres_image" "$here/postgres"
build "$mailpit_image" "$here/mailpit"

# Kafka: the jars come from Maven Central (once, into the cache), the context is assembled in a temporary folder.
jars="$cache/kafka-image-4.3.1/libs"
if [ ! -f "$jars/kafka_2.13-4.3.1.jar" ] || [ ! -f "$jars/kafka-tools-4.3.1.jar" ]; then
  echo "[$(stamp)] fetching the Kafka jars from Maven Central"
  rm -rf "$jars.partial"
  mvn -q -B -f "$here/kafka/pom.xml" org.apache.maven.plugins:maven-dependency-plugin:3.7.1:copy-dependencies \
    -DoutputDirectory="$jars.partial"
  rm -rf "$jars" && mv "$jars.partial" "$jars"
fi
context=$(mktemp -d "${TMPDIR:-/tmp}/dvk-kafka-image.XXXXXX")
trap 'rm -rf "$context"' EXIT
cp -r "$here/kafka/Containerfile" "$here/kafka/bin" "$here/kafka/log4j2.properties" "$context/"
cp -r "$jars" "$context/libs"
build "$kafka_image" "$context"
echo "[$(stamp)] stand-in images ready: $python_image $postgres_image $kafka_image $mailpit_image"
