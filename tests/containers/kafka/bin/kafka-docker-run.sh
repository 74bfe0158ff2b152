#!/bin/bash
# The official image's start-up: KAFKA_* environment -> server.properties, format the log directory once, run.
set -euo pipefail
props=/mnt/shared/config/server.properties
: >"$props"
skip=" VERSION HEAP_OPTS LOG4J_OPTS OPTS JMX_OPTS JVM_PERFORMANCE_OPTS GC_LOG_OPTS LOG4J_ROOT_LOGLEVEL LOG4J_LOGGERS TOOLS_LOG4J_LOGLEVEL JMX_HOSTNAME JMX_PORT LOG4J_CONFIG "
while IFS='=' read -r name value; do
  key=${name#KAFKA_}
  case "$skip" in *" $key "*) continue ;; esac
  key=$(printf '%s' "$key" | tr '[:upper:]' '[:lower:]' | sed -e 's/___/-/g' -e 's/__/@/g' -e 's/_/./g' -e 's/@/_/g')
  printf '%s=%s\n' "$key" "$value" >>"$props"
done < <(env | grep -E '^KAFKA_[A-Z0-9_]+=' | sort)
logdirs=$(sed -n 's/^log\.dirs=//p' "$props")
if [ -z "$logdirs" ]; then
  logdirs=/var/lib/kafka/data
  echo "log.dirs=$logdirs" >>"$props"
fi
first=${logdirs%%,*}
if [ ! -f "$first/meta.properties" ]; then
  /opt/kafka/bin/kafka-storage.sh format --ignore-formatted -t "${CLUSTER_ID:-5L6g3nShT-eMCtK--X86sw}" -c "$props"
fi
exec /opt/kafka/bin/kafka-server-start.sh "$props"
