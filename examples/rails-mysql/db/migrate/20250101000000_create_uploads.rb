class CreateUploads < ActiveRecord::Migration[8.0]
  def change
    create_table :uploads do |t|
      t.string :key, null: false, index: { unique: true }
      t.bigint :byte_size, null: false
      t.timestamps
    end
  end
end
