Rails.application.configure do
  config.enable_reloading = false
  config.eager_load = true
  config.consider_all_requests_local = false
  # TLS ends at the load balancer, which sets X-Forwarded-Proto.
  config.assume_ssl = true
  config.force_ssl = true
  # Probes come over plain HTTP from the kubelet, not through the load balancer.
  config.ssl_options = { redirect: { exclude: ->(request) { ["/up", "/ready"].include?(request.path) } } }
  config.active_record.dump_schema_after_migration = false
end
