threads_count = ENV.fetch("RAILS_MAX_THREADS", 5)
threads threads_count, threads_count
port ENV.fetch("PORT", 3000)
workers ENV.fetch("WEB_CONCURRENCY", 0)

# Prometheus metrics on their own port (PROMETHEUS_EXPORTER_PORT, default 9394), kept off the
# public ingress.
activate_control_app "tcp://127.0.0.1:9293", { no_token: true }
plugin :yabeda
plugin :yabeda_prometheus

pidfile ENV.fetch("PIDFILE", "/tmp/puma.pid")
