"""Gunicorn's address: HOST:PORT from the environment.

slipway's local target sets HOST=127.0.0.1 so an instance is reachable only through slipway's proxy; in a
container HOST is unset and gunicorn listens on every address, as a Service needs.
"""

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
