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
  value       = "mysql"
}

output "database_endpoint" {
  description = "Database host (the writer)"
  value       = module.database.cluster_endpoint
}

output "database_port" {
  description = "Database port"
  value       = module.database.cluster_port
}

output "database_name" {
  description = "Database name"
  value       = "flask_mysql"
}

output "database_cluster_id" {
  description = "Aurora cluster identifier (the source of `slipway db drill`)"
  value       = module.database.cluster_id
}

output "database_master_secret_arn" {
  description = "Secrets Manager secret RDS keeps the admin password in (read by the setup phase only)"
  value       = try(module.database.cluster_master_user_secret[0].secret_arn, null)
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
