# Rendered by slipway from slipway.yaml (environment staging, tier staging). Edit the spec and render again.
locals {
  name = "flask-mysql-staging"
  azs  = slice(data.aws_availability_zones.available.names, 0, 2)
  tags = {
    App         = "flask-mysql"
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
