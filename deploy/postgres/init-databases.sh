#!/bin/sh
# One database per service, created on the first start of the PostgreSQL container.
set -eu
for db in registration reporting awards notify feed gateway; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -c "SELECT 'CREATE DATABASE $db' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$db')\gexec"
done
