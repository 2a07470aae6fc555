require_relative "boot"

require "rails"
require "active_model/railtie"
require "active_record/railtie"
require "action_controller/railtie"

Bundler.require(*Rails.groups)

module RailsMysql
  class Application < Rails::Application
    config.load_defaults 8.0
    config.api_only = true
    # Logs go to stdout; the root filesystem is read-only in the container.
    config.logger = ActiveSupport::TaggedLogging.new(ActiveSupport::Logger.new($stdout))
    config.log_level = ENV.fetch("RAILS_LOG_LEVEL", "info")
  end
end
