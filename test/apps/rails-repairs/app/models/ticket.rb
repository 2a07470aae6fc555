class Ticket < ApplicationRecord
  STATUSES = %w[open waiting_for_parts repaired collected].freeze

  validates :customer_name, :device, :fault, presence: true
  validates :status, inclusion: { in: STATUSES }

  scope :open_first, -> { order(Arel.sql("status = 'collected'"), created_at: :desc) }
end
