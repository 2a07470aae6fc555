class UploadsController < ApplicationController
  def index
    render json: Upload.order(created_at: :desc).limit(20).as_json(only: [:id, :key, :byte_size, :created_at])
  end

  # POST /uploads with a multipart `file`: stored in the uploads bucket, recorded in MySQL.
  def create
    file = params.require(:file)
    key = "uploads/#{SecureRandom.uuid}/#{file.original_filename}"
    s3.put_object(bucket: ENV.fetch("UPLOADS_BUCKET"), key: key, body: file.tempfile, content_type: file.content_type)
    upload = Upload.create!(key: key, byte_size: file.size)
    render json: upload.as_json(only: [:id, :key, :byte_size]), status: :created
  end

  private

  # The SDK's default chain finds the IRSA web-identity token; no access keys anywhere.
  def s3
    @s3 ||= Aws::S3::Client.new
  end
end
