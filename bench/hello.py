"""The ceiling of the web benchmarks: a bare Flask app that answers every request with a small JSON body,
served by the same gunicorn configuration as the services (no database, no schemas, no token check)."""
from __future__ import annotations

from flask import Flask, jsonify

app = Flask(__name__)


@app.route("/healthz")
def healthz():  # noqa: ANN201 - a view
    return jsonify(status="ok")


@app.route("/<path:anything>", methods=["GET", "POST"])
def hello(anything: str):  # noqa: ANN201 - a view
    return jsonify(message="Xin chào")
