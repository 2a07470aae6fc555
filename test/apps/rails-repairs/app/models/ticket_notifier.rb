require "net/http"

# Posts new tickets to the workshop's chat channel.
class TicketNotifier
  def self.opened(ticket)
    uri = URI(ENV.fetch("NOTIFY_WEBHOOK_URL"))
    request = Net::HTTP::Post.new(uri, "Authorization" => "Bearer #{ENV.fetch("NOTIFY_WEBHOOK_TOKEN")}", "Content-Type" => "application/json")
    request.body = { text: "New ticket ##{ticket.id}: #{ticket.device} (#{ticket.fault})" }.to_json
    Net::HTTP.start(uri.host, uri.port, use_ssl: uri.scheme == "https", open_timeout: 2, read_timeout: 5) { |http| http.request(request) }
  rescue StandardError => e
    Rails.logger.warn("ticket notification failed: #{e.class}: #{e.message}")
  end
end
