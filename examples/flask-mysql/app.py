"""A small Flask app like one deployed by hand to EKS: `/`, `/configs` and `/healthz`.

Configuration comes from the environment, as slipway wires it: plain settings from app.env,
SECRET_KEY from the secret source, and DB_HOST/DB_PORT/DB_NAME/DB_USER/DB_PASSWORD from the
database section.
"""

import os

import pymysql
from flask import Flask, jsonify

# Shown on /configs. Secrets never are: /configs only says whether each one is set.
PUBLIC_SETTINGS = ("APP_ENV", "LOG_LEVEL", "FEATURE_GREETING", "DB_HOST", "DB_PORT", "DB_NAME", "DB_USER")
SECRET_SETTINGS = ("SECRET_KEY", "DB_PASSWORD", "DATABASE_URL")

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", "")
app.config["APP_ENV"] = os.environ.get("APP_ENV", "development")
if app.config["APP_ENV"] == "production" and not app.config["SECRET_KEY"]:
    raise RuntimeError("SECRET_KEY must be set in production")


def connect():
    return pymysql.connect(
        host=os.environ.get("DB_HOST", "127.0.0.1"),
        port=int(os.environ.get("DB_PORT", "3306")),
        user=os.environ.get("DB_USER", "flask_mysql_app"),
        password=os.environ.get("DB_PASSWORD", ""),
        database=os.environ.get("DB_NAME", "flask_mysql"),
        connect_timeout=3,
    )


@app.get("/")
def index():
    greeting = os.environ.get("FEATURE_GREETING", "Hello")
    return f"{greeting} from flask-mysql ({app.config['APP_ENV']})!\n", 200, {"Content-Type": "text/plain; charset=utf-8"}


@app.get("/configs")
def configs():
    return jsonify(
        settings={name: os.environ.get(name) for name in PUBLIC_SETTINGS},
        secrets={name: name in os.environ for name in SECRET_SETTINGS},
    )


@app.get("/healthz")
def healthz():
    # Liveness and readiness: proves the worker answers; the database is checked by /ready.
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8"}


@app.get("/ready")
def ready():
    try:
        with connect() as conn, conn.cursor() as cur:
            cur.execute("SELECT 1")
    except pymysql.MySQLError as error:
        return jsonify(ready=False, error=str(error)), 503
    return jsonify(ready=True)
