# Rendered by slipway from slipway.yaml (environment production, tier production). Edit the spec and render again.
locals {
  name = "node-postgres-production"
  azs  = slice(data.aws_availability_zones.available.names, 0, 3)
  tags = {
    App         = "node-postgres"
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
