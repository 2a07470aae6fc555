# The certificate of staging.shop.example.com, validated by DNS records created in zone Z0123456789ABCDEFGHIJ.
module "acm" {
  source  = "terraform-aws-modules/acm/aws"
  version = "~> 6.3"

  domain_name            = "staging.shop.example.com"
  validation_method      = "DNS"
  zone_id                = "Z0123456789ABCDEFGHIJ"
  create_route53_records = true
  wait_for_validation    = true
  tags                   = local.tags
}
