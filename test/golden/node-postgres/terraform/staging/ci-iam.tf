# The account's OIDC identity provider for https://token.actions.githubusercontent.com: one per account, created by this root (the account's first environment in ci.environments).
resource "aws_iam_openid_connect_provider" "ci" {
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
  tags           = local.tags
}

# staging: deploys the app to this environment's cluster. Assumed only by a token with aud sts.amazonaws.com and sub repo:slipway-examples/node-postgres:environment:staging.
resource "aws_iam_role" "ci_staging" {
  name                 = "node-postgres-ci-staging"
  description          = "node-postgres CI: deploys the app to this environment's cluster"
  max_session_duration = 3600
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "CiOidc"
        Effect = "Allow"
        Principal = {
          Federated = aws_iam_openid_connect_provider.ci.arn
        }
        Action = "sts:AssumeRoleWithWebIdentity"
        Condition = {
          StringEquals = {
            "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
            "token.actions.githubusercontent.com:sub" = "repo:slipway-examples/node-postgres:environment:staging"
          }
        }
      },
    ]
  })
  tags = local.tags
}

resource "aws_iam_role_policy" "ci_staging" {
  name = "staging-ci"
  role = aws_iam_role.ci_staging.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "Kubeconfig"
        Effect   = "Allow"
        Action   = ["eks:DescribeCluster"]
        Resource = [module.eks.cluster_arn]
      },
      {
        Sid      = "StateList"
        Effect   = "Allow"
        Action   = ["s3:ListBucket"]
        Resource = ["arn:aws:s3:::node-postgres-tfstate-123456789012"]
      },
      {
        Sid      = "StateRead"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = ["arn:aws:s3:::node-postgres-tfstate-123456789012/node-postgres/staging/terraform.tfstate"]
      },
    ]
  })
}

# staging-plan: plans this environment's Terraform, read-only. Assumed only by a token with aud sts.amazonaws.com and sub repo:slipway-examples/node-postgres:pull_request or repo:slipway-examples/node-postgres:ref:refs/heads/main.
resource "aws_iam_role" "ci_staging_plan" {
  name                 = "node-postgres-ci-staging-plan"
  description          = "node-postgres CI: plans this environment's Terraform, read-only"
  max_session_duration = 3600
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "CiOidc"
        Effect = "Allow"
        Principal = {
          Federated = aws_iam_openid_connect_provider.ci.arn
        }
        Action = "sts:AssumeRoleWithWebIdentity"
        Condition = {
          StringEquals = {
            "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
            "token.actions.githubusercontent.com:sub" = [
              "repo:slipway-examples/node-postgres:pull_request",
              "repo:slipway-examples/node-postgres:ref:refs/heads/main",
            ]
          }
        }
      },
    ]
  })
  tags = local.tags
}

# Reads every resource the plan refreshes. ReadOnlyAccess is AWS's managed read-only policy; it also reads S3 objects.
resource "aws_iam_role_policy_attachment" "ci_staging_plan_read_only" {
  role       = aws_iam_role.ci_staging_plan.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_role_policy" "ci_staging_plan" {
  name = "staging-plan-ci"
  role = aws_iam_role.ci_staging_plan.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "StateList"
        Effect   = "Allow"
        Action   = ["s3:ListBucket"]
        Resource = ["arn:aws:s3:::node-postgres-tfstate-123456789012"]
      },
      {
        Sid      = "StateRead"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = ["arn:aws:s3:::node-postgres-tfstate-123456789012/node-postgres/staging/terraform.tfstate"]
      },
      {
        Sid    = "StateLock"
        Effect = "Allow"
        Action = ["s3:DeleteObject", "s3:PutObject"]
        Resource = [
          "arn:aws:s3:::node-postgres-tfstate-123456789012/node-postgres/staging/terraform.tfstate.tflock",
        ]
      },
    ]
  })
}

# staging-infra: applies this environment's reviewed Terraform plan. Assumed only by a token with aud sts.amazonaws.com and sub repo:slipway-examples/node-postgres:environment:staging-infra.
resource "aws_iam_role" "ci_staging_infra" {
  name                 = "node-postgres-ci-staging-infra"
  description          = "node-postgres CI: applies this environment's reviewed Terraform plan"
  max_session_duration = 3600
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "CiOidc"
        Effect = "Allow"
        Principal = {
          Federated = aws_iam_openid_connect_provider.ci.arn
        }
        Action = "sts:AssumeRoleWithWebIdentity"
        Condition = {
          StringEquals = {
            "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
            "token.actions.githubusercontent.com:sub" = "repo:slipway-examples/node-postgres:environment:staging-infra"
          }
        }
      },
    ]
  })
  tags = local.tags
}

# Applies whatever this root manages, IAM included, so it is administrator: only the reviewed plan, behind the environment's approval, runs with it.
resource "aws_iam_role_policy_attachment" "ci_staging_infra_apply" {
  role       = aws_iam_role.ci_staging_infra.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
