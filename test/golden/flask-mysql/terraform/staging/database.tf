# The version AWS runs for database.version 8.0 (the newest aurora-mysql 8.0.x).
data "aws_rds_engine_version" "database" {
  engine  = "aurora-mysql"
  version = "8.0"
  latest  = true
}

# Only the cluster's pods reach the database: no CIDR, no public address.
resource "aws_security_group" "database" {
  name_prefix = "flask-mysql-staging-database-"
  description = "aurora-mysql of flask-mysql-staging: reachable from the EKS cluster only"
  vpc_id      = module.vpc.vpc_id
  tags = merge(local.tags, {
    Name = "flask-mysql-staging-database"
  })
}

resource "aws_vpc_security_group_ingress_rule" "database_from_cluster" {
  security_group_id            = aws_security_group.database.id
  referenced_security_group_id = module.eks.node_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
  description                  = "mysql from the cluster"
}

# Staging: one instance (no standby); a zone outage stops the database until it is restored.
module "database" {
  source  = "terraform-aws-modules/rds-aurora/aws"
  version = "~> 10.2"

  name                   = "flask-mysql-staging"
  engine                 = "aurora-mysql"
  engine_version         = data.aws_rds_engine_version.database.version_actual
  cluster_instance_class = "db.t4g.medium"
  instances = {
    one = {}
  }

  database_name               = "flask_mysql"
  port                        = "3306"
  master_username             = "slipway_admin"
  manage_master_user_password = true

  vpc_id                 = module.vpc.vpc_id
  db_subnet_group_name   = module.vpc.database_subnet_group_name
  create_security_group  = false
  vpc_security_group_ids = [aws_security_group.database.id]

  storage_encrypted                      = true
  backup_retention_period                = 7
  deletion_protection                    = true
  skip_final_snapshot                    = false
  final_snapshot_identifier              = "flask-mysql-staging-final"
  enabled_cloudwatch_logs_exports        = ["audit", "error", "slowquery"]
  cloudwatch_log_group_retention_in_days = 90
  tags                                   = local.tags
}
