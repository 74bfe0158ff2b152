"""Benchmark 7's ceiling: an evidence file's upload and download done minimally under the same gunicorn command —
werkzeug's multipart parser (the same as the services'), SHA-256 while reading, the bytes into PostgreSQL in 512 KiB
chunks in one transaction, and back out chunk by chunk. No token, no type check by content, no previews, no ORM, no
audit or outbox row: the physical limit of this stack for moving a file's bytes through a web worker into its
database and out again.

    gunicorn -c deploy/gunicorn.conf.py bare_files:app   (PYTHONPATH=bench, DVK_DATABASE_URL set)
"""
from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator

import psycopg
from flask import Flask, Response, jsonify, request

CHUNK = 512 * 1024  # dvk_platform.evidence.CHUNK_SIZE
DSN = os.environ["DVK_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
_local = threading.local()

app = Flask(__name__)


def connection() -> psycopg.Connection:
    """One connection per worker thread, kept open (a pool's work without a pool)."""
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = _local.conn = psycopg.connect(DSN, autocommit=True)
    return conn


with psycopg.connect(DSN, autocommit=True) as _conn:
    _conn.execute("CREATE TABLE IF NOT EXISTS bench_files (id bigserial PRIMARY KEY, name text NOT NULL, "
                  "size bigint, sha256 text)")
    _conn.execute("CREATE TABLE IF NOT EXISTS bench_file_chunks (file_id bigint NOT NULL, seq integer NOT NULL, "
                  "data bytea NOT NULL, PRIMARY KEY (file_id, seq))")


@app.get("/healthz")
def healthz() -> str:
    return "ok"


@app.post("/files")
def upload() -> tuple[Response, int]:
    upload = request.files["file"]
    digest = hashlib.sha256()
    size = 0
    conn = connection()
    with conn.transaction():
        file_id = conn.execute("INSERT INTO bench_files (name) VALUES (%s) RETURNING id", (upload.filename,)).fetchone()[0]
        seq = 0
        while data := upload.stream.read(CHUNK):
            digest.update(data)
            size += len(data)
            conn.execute("INSERT INTO bench_file_chunks (file_id, seq, data) VALUES (%s, %s, %s)", (file_id, seq, data))
            seq += 1
        conn.execute("UPDATE bench_files SET size = %s, sha256 = %s WHERE id = %s", (size, digest.hexdigest(), file_id))
    upload.close()
    return jsonify(id=file_id, size=size, sha256=digest.hexdigest()), 201


@app.get("/files/<int:file_id>")
def download(file_id: int) -> Response:
    conn = connection()
    size = conn.execute("SELECT size FROM bench_files WHERE id = %s", (file_id,)).fetchone()[0]

    def chunks() -> Iterator[bytes]:
        seq = 0
        while row := conn.execute("SELECT data FROM bench_file_chunks WHERE file_id = %s AND seq = %s",
                                  (file_id, seq)).fetchone():
            yield bytes(row[0])
            seq += 1

    return Response(chunks(), mimetype="application/pdf", headers={"Content-Length": str(size)})
