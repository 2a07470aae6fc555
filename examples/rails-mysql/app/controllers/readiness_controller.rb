class ReadinessController < ApplicationController
  def show
    ActiveRecord::Base.connection.select_value("SELECT 1")
    render plain: "ready"
  rescue ActiveRecord::ActiveRecordError => e
    render plain: "database unavailable: #{e.class}", status: :service_unavailable
  end
end
