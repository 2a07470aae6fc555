class AddQuoteToTickets < ActiveRecord::Migration[7.2]
  def change
    add_column :tickets, :quote_cents, :integer
    add_column :tickets, :collected_at, :datetime
  end
end
