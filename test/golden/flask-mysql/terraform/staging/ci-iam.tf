# The account's OIDC identity provider for https://gitlab.com: one per account, created by this root (the account's first environment in ci.environments).
resource "aws_iam_openid_connect_provider" "ci" {
  url            = "https://gitlab.com"
  client_id_list = ["sts.amazonaws.com"]
  tags           = local.tags
}

# build: pushes the image to ECR (the publish job, on the default branch). Assumed only by a token with aud sts.amazonaws.com and sub project_path:slipway-examples/flask-mysql:ref_type:branch:ref:main.
resource "aws_iam_role" "ci_build" {
  name                 = "flask-mysql-ci-build"
  description          = "flask-mysql CI: pushes the image to ECR (the publish job, on the default branch)"
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
            "gitlab.com:aud" = "sts.amazonaws.com"
            "gitlab.com:sub" = "project_path:slipway-examples/flask-mysql:ref_type:branch:ref:main"
          }
        }
      },
    ]
  })
  tags = local.tags
}

resource "aws_iam_role_policy" "ci_build" {
  name = "build-ci"
  role = aws_iam_role.ci_build.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "EcrLogin"
        Effect   = "Allow"
        Action   = ["ecr:GetAuthorizationToken"]
        Resource = ["*"]
      },
      {
        Sid    = "EcrPush"
        Effect = "Allow"
        Action = [
          "ecr:BatchCheckLayerAvailability",
          "ecr:BatchGetImage",
          "ecr:CompleteLayerUpload",
          "ecr:GetDownloadUrlForLayer",
          "ecr:InitiateLayerUpload",
          "ecr:PutImage",
          "ecr:UploadLayerPart",
        ]
        Resource = [module.ecr.repository_arn]
      },
    ]
  })
}

# staging: deploys the app to this environment's cluster. Assumed only by a token with aud sts.amazonaws.com and sub project_path:slipway-examples/flask-mysql:ref_type:branch:ref:main.
resource "aws_iam_role" "ci_staging" {
  name                 = "flask-mysql-ci-staging"
  description          = "flask-mysql CI: deploys the app to this environment's cluster"
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
            "gitlab.com:aud" = "sts.amazonaws.com"
            "gitlab.com:sub" = "project_path:slipway-examples/flask-mysql:ref_type:branch:ref:main"
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
        Resource = ["arn:aws:s3:::flask-mysql-tfstate-123456789012"]
      },
      {
        Sid      = "StateRead"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = ["arn:aws:s3:::flask-mysql-tfstate-123456789012/flask-mysql/staging/terraform.tfstate"]
      },
    ]
  })
}

# staging-plan: plans this environment's Terraform, read-only. Assumed only by a token with aud sts.amazonaws.com and sub project_path:slipway-examples/flask-mysql:ref_type:branch:ref:*.
resource "aws_iam_role" "ci_staging_plan" {
  # slipway:waive SLW-TF-031=read-only plan role: a GitLab merge request pipeline's subject names its source branch, so only a pattern over this project's branches matches it
  name                 = "flask-mysql-ci-staging-plan"
  description          = "flask-mysql CI: plans this environment's Terraform, read-only"
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
            "gitlab.com:aud" = "sts.amazonaws.com"
          }
          StringLike = {
            "gitlab.com:sub" = "project_path:slipway-examples/flask-mysql:ref_type:branch:ref:*"
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
        Resource = ["arn:aws:s3:::flask-mysql-tfstate-123456789012"]
      },
      {
        Sid      = "StateRead"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = ["arn:aws:s3:::flask-mysql-tfstate-123456789012/flask-mysql/staging/terraform.tfstate"]
      },
      {
        Sid    = "StateLock"
        Effect = "Allow"
        Action = ["s3:DeleteObject", "s3:PutObject"]
        Resource = [
          "arn:aws:s3:::flask-mysql-tfstate-123456789012/flask-mysql/staging/terraform.tfstate.tflock",
        ]
      },
    ]
  })
}

# staging-infra: applies this environment's reviewed Terraform plan. Assumed only by a token with aud sts.amazonaws.com and sub project_path:slipway-examples/flask-mysql:ref_type:branch:ref:main.
resource "aws_iam_role" "ci_staging_infra" {
  name                 = "flask-mysql-ci-staging-infra"
  description          = "flask-mysql CI: applies this environment's reviewed Terraform plan"
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
            "gitlab.com:aud" = "sts.amazonaws.com"
            "gitlab.com:sub" = "project_path:slipway-examples/flask-mysql:ref_type:branch:ref:main"
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
