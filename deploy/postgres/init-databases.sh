#!/bin/sh
# One database per service, created on the first start of the PostgreSQL container.
# (\gexec is a psql meta-command: it works on standard input, not inside -c.)
set -eu
for db in registration reporting awards notify feed gateway; do
  echo "SELECT 'CREATE DATABASE $db' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$db')\gexec" \
    | psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres
done
