# Staging: one NAT gateway for the VPC (a zone outage cuts the other zones' egress; accepted to save cost).
module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 6.6"

  name             = "node-postgres-staging"
  cidr             = "10.0.0.0/16"
  azs              = local.azs
  private_subnets  = ["10.0.0.0/20", "10.0.16.0/20"]
  public_subnets   = ["10.0.48.0/24", "10.0.49.0/24"]
  database_subnets = ["10.0.52.0/24", "10.0.53.0/24"]

  enable_nat_gateway           = true
  single_nat_gateway           = true
  one_nat_gateway_per_az       = false
  enable_dns_hostnames         = true
  enable_dns_support           = true
  create_database_subnet_group = true

  public_subnet_tags = {
    "kubernetes.io/role/elb" = 1
  }
  private_subnet_tags = {
    "kubernetes.io/role/internal-elb" = 1
  }
  tags = local.tags
}

module "vpc_flow_log" {
  source  = "terraform-aws-modules/vpc/aws//modules/flow-log"
  version = "~> 6.6"

  name                                   = "node-postgres-staging-vpc"
  vpc_id                                 = module.vpc.vpc_id
  traffic_type                           = "ALL"
  log_destination_type                   = "cloud-watch-logs"
  cloudwatch_log_group_retention_in_days = 90
  tags                                   = local.tags
}
