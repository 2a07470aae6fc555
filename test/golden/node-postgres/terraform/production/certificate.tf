# The certificate of hello.example.com, validated by DNS: create the CNAME records ACM lists for it in the zone of hello.example.com.
module "acm" {
  source  = "terraform-aws-modules/acm/aws"
  version = "~> 6.3"

  domain_name            = "hello.example.com"
  validation_method      = "DNS"
  create_route53_records = false
  wait_for_validation    = false
  tags                   = local.tags
}
