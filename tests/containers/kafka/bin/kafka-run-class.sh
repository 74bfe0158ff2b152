#!/bin/bash
# java -cp '/opt/kafka/libs/*' <class> <args>, with KAFKA_HEAP_OPTS / KAFKA_OPTS as in Kafka's own script.
exec java ${KAFKA_HEAP_OPTS:--Xmx256m} -XX:+UseSerialGC -Djava.awt.headless=true \
  -Dlog4j2.configurationFile="${KAFKA_LOG4J_CONFIG:-/opt/kafka/config/log4j2.properties}" ${KAFKA_OPTS:-} \
  -cp '/opt/kafka/libs/*' "$@"
