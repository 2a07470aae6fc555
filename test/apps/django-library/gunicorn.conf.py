# Read by gunicorn from the working directory.
import multiprocessing

bind = "0.0.0.0:8000"
workers = min(4, multiprocessing.cpu_count() * 2 + 1)
timeout = 30
accesslog = "-"
