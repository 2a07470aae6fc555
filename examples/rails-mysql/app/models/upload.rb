class Upload < ApplicationRecord
  validates :key, presence: true, uniqueness: true
end
