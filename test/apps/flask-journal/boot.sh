#!/bin/sh
# Container entry point: bring the schema up to date, then hand the process over to gunicorn.
set -e
if [ -d venv ]; then
    . venv/bin/activate
fi
attempt=0
until flask db upgrade; do
    attempt=$((attempt + 1))
    if [ "$attempt" -ge 5 ]; then
        echo "database still unreachable after $attempt tries, giving up" >&2
        exit 1
    fi
    echo "flask db upgrade failed, trying again in 3 s" >&2
    sleep 3
done
exec gunicorn -b :5000 --workers 2 --access-logfile - --error-logfile - journal_app:app
