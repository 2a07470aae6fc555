output "region" {
  description = "AWS region"
  value       = "eu-west-2"
}

output "cluster_name" {
  description = "EKS cluster name"
  value       = module.eks.cluster_name
}

output "cluster_endpoint" {
  description = "EKS API endpoint"
  value       = module.eks.cluster_endpoint
}

output "database_engine" {
  description = "mysql or postgres"
  value       = "postgres"
}

output "database_endpoint" {
  description = "Database host (the writer)"
  value       = module.database.db_instance_address
}

output "database_port" {
  description = "Database port"
  value       = module.database.db_instance_port
}

output "database_name" {
  description = "Database name"
  value       = "node_postgres"
}

output "database_cluster_id" {
  description = "RDS instance identifier"
  value       = module.database.db_instance_identifier
}

output "database_master_secret_arn" {
  description = "Secrets Manager secret RDS keeps the admin password in (read by the setup phase only)"
  value       = module.database.db_instance_master_user_secret_arn
}

output "ecr_repository_url" {
  description = "ECR repository of the app's image"
  value       = module.ecr.repository_url
}

output "ci_role_arns" {
  description = "The CI roles of this root by ci.aws.roles key: the ARNs the rendered pipeline assumes"
  value = {
    production       = aws_iam_role.ci_production.arn
    production-plan  = aws_iam_role.ci_production_plan.arn
    production-infra = aws_iam_role.ci_production_infra.arn
  }
}

output "certificate_arn" {
  description = "ACM certificate of the ingress host"
  value       = module.acm.acm_certificate_arn
}
