class CreateTickets < ActiveRecord::Migration[7.2]
  def change
    create_table :tickets do |t|
      t.string :customer_name, null: false
      t.string :device, null: false
      t.text :fault, null: false
      t.string :status, null: false, default: "open"
      t.timestamps
    end
    add_index :tickets, :status
  end
end
