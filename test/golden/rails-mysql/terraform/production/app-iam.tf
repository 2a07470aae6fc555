# The app's IAM role, assumed by service account rails-mysql/rails-mysql through IRSA (its annotation names this role).
module "app_irsa" {
  source  = "terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts"
  version = "~> 6.5"

  name            = "rails-mysql-production"
  use_name_prefix = false
  oidc_providers = {
    main = {
      provider_arn               = module.eks.oidc_provider_arn
      namespace_service_accounts = ["rails-mysql:rails-mysql"]
    }
  }
  create_policy = true
  permissions = {
    railsmysqluploadsObjects = {
      sid       = "railsmysqluploadsObjects"
      actions   = ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"]
      resources = ["arn:aws:s3:::rails-mysql-uploads/*"]
    }
    railsmysqluploadsBucket = {
      sid       = "railsmysqluploadsBucket"
      actions   = ["s3:ListBucket", "s3:ListBucketMultipartUploads"]
      resources = ["arn:aws:s3:::rails-mysql-uploads"]
    }
  }
  tags = local.tags
}
