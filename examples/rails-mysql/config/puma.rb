threads_count = ENV.fetch("RAILS_MAX_THREADS", 5)
threads threads_count, threads_count
# HOST: slipway's local target sets 127.0.0.1 (reachable only through its proxy); unset in a container.
host = ENV.fetch("HOST", "0.0.0.0")
port ENV.fetch("PORT", 3000), host
workers ENV.fetch("WEB_CONCURRENCY", 0)

# Prometheus metrics on their own port (PROMETHEUS_EXPORTER_PORT, default 9394), kept off the
# public ingress.
activate_control_app "tcp://127.0.0.1:9293", { no_token: true }
plugin :yabeda
plugin :yabeda_prometheus
prometheus_exporter_url "tcp://#{host}:#{ENV.fetch("PROMETHEUS_EXPORTER_PORT", 9394)}/metrics"

pidfile ENV.fetch("PIDFILE", "/tmp/puma.pid")
