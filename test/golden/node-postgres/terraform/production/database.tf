# The version AWS runs for database.version 17 (the newest postgres 17.x).
data "aws_rds_engine_version" "database" {
  engine  = "postgres"
  version = "17"
  latest  = true
}

# Only the cluster's pods reach the database: no CIDR, no public address.
resource "aws_security_group" "database" {
  name_prefix = "node-postgres-production-database-"
  description = "postgres of node-postgres-production: reachable from the EKS cluster only"
  vpc_id      = module.vpc.vpc_id
  tags = merge(local.tags, {
    Name = "node-postgres-production-database"
  })
}

resource "aws_vpc_security_group_ingress_rule" "database_from_cluster" {
  security_group_id            = aws_security_group.database.id
  referenced_security_group_id = module.eks.node_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  description                  = "postgres from the cluster"
}

# Production: Multi-AZ, a synchronous standby in another zone.
module "database" {
  source  = "terraform-aws-modules/rds/aws"
  version = "~> 7.2"

  identifier             = "node-postgres-production"
  engine                 = "postgres"
  engine_version         = data.aws_rds_engine_version.database.version_actual
  family                 = data.aws_rds_engine_version.database.parameter_group_family
  create_db_option_group = false
  instance_class         = "db.r7g.large"
  allocated_storage      = 20
  max_allocated_storage  = 200
  multi_az               = true

  db_name                     = "node_postgres"
  port                        = "5432"
  username                    = "slipway_admin"
  manage_master_user_password = true

  db_subnet_group_name   = module.vpc.database_subnet_group_name
  vpc_security_group_ids = [aws_security_group.database.id]
  publicly_accessible    = false

  storage_encrypted                      = true
  backup_retention_period                = 30
  deletion_protection                    = true
  skip_final_snapshot                    = false
  enabled_cloudwatch_logs_exports        = ["postgresql"]
  cloudwatch_log_group_retention_in_days = 90
  tags                                   = local.tags
}
