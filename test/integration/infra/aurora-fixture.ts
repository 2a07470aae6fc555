/** The Aurora environment both AWS drill tests use, and the Terraform outputs the drill reads. */

export const auroraSpec = `name: shop
app:
  image: 123456789012.dkr.ecr.eu-west-2.amazonaws.com/shop:1.0.0
  port: 3000
  health: { readiness: /ready }
database:
  engine: postgres
  version: "17"
  backups: { retentionDays: 7 }
infra:
  region: eu-west-2
  database: { service: aurora }
environments:
  production:
    target: kubernetes
    infra: { tier: production }
    secretSource: { kubernetes-secret: shop-secrets }
`;

/** `terraform output -json` of the environment's root, as far as the drill reads it. */
export function outputsFile(cluster: string): string {
  const out = (value: string) => ({ sensitive: false, type: "string", value });
  return JSON.stringify({ region: out("eu-west-2"), database_engine: out("postgres"), database_cluster_id: out(cluster) }, null, 2);
}
