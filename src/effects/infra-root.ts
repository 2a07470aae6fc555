import { existsSync } from "node:fs";
import { join } from "node:path";

/** Whether a Terraform root has been initialised (`infra plan`/`apply` ran there): it has a .terraform folder. */
export function initialisedRoot(root: string): boolean {
  return existsSync(join(root, ".terraform"));
}
