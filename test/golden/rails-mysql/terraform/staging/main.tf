# Rendered by slipway from slipway.yaml (environment staging, tier staging). Edit the spec and render again.
locals {
  name = "rails-mysql-staging"
  azs  = slice(data.aws_availability_zones.available.names, 0, 2)
  tags = {
    App         = "rails-mysql"
    Environment = "staging"
    ManagedBy   = "slipway"
  }
}

data "aws_availability_zones" "available" {
  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

module "kms" {
  source  = "terraform-aws-modules/kms/aws"
  version = "~> 4.2"

  description             = "rails-mysql-staging: EKS secrets, database storage and secrets, container images"
  aliases                 = ["slipway/rails-mysql-staging"]
  enable_key_rotation     = true
  deletion_window_in_days = 30
  tags                    = local.tags
}
