require "active_support/core_ext/integer/time"

Rails.application.configure do
  config.enable_reloading = false
  config.eager_load = true
  config.consider_all_requests_local = false
  config.public_file_server.enabled = ENV["RAILS_SERVE_STATIC_FILES"].present?
  config.assume_ssl = ENV["RAILS_ASSUME_SSL"].present?
  config.force_ssl = ENV["RAILS_FORCE_SSL"].present?

  config.logger = ActiveSupport::TaggedLogging.logger($stdout)
  config.log_tags = [ :request_id ]
  config.log_level = ENV.fetch("RAILS_LOG_LEVEL", "info")

  config.action_mailer.delivery_method = :smtp
  config.action_mailer.smtp_settings = {
    address: ENV.fetch("SMTP_HOST", "localhost"),
    user_name: ENV["SMTP_USERNAME"],
    password: ENV["SMTP_PASSWORD"],
  }

  config.i18n.fallbacks = true
  config.active_record.dump_schema_after_migration = false

  # Only answer for the host names the app is served under (comma-separated), plus the health check.
  config.hosts = ENV.fetch("RAILS_ALLOWED_HOSTS", "").split(",").map(&:strip).reject(&:empty?)
  config.host_authorization = { exclude: ->(request) { request.path == "/up" } }
end
