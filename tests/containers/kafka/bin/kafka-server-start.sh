#!/bin/bash
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx768m -Xms256m}" exec /opt/kafka/bin/kafka-run-class.sh kafka.Kafka "$@"
