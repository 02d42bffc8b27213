"""The yardstick for bench_read_load.py: a bare Flask JSON endpoint served the same way."""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/bare")
def bare():  # type: ignore[no-untyped-def]
    return jsonify({"code": "ok", "items": [{"id": i, "name": f"机构{i}"} for i in range(5)]})
