# Rendered by slipway from slipway.yaml (environment production, tier production). Edit the spec and render again.
locals {
  name = "rails-mysql-production"
  azs  = slice(data.aws_availability_zones.available.names, 0, 3)
  tags = {
    App         = "rails-mysql"
    Environment = "production"
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

  description             = "rails-mysql-production: EKS secrets, database storage and secrets, container images"
  aliases                 = ["slipway/rails-mysql-production"]
  enable_key_rotation     = true
  deletion_window_in_days = 30
  tags                    = local.tags
}
