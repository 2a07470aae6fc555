import { resolve } from "node:path";
import { type ChecklistItem, ciChecklist, type Provider } from "../../render/ci/checklist.js";
import { ciRenderer } from "../../render/ci/ci-renderer.js";
import { actionPins, imagePins } from "../../render/ci/pins.js";
import { buildModel } from "../../spec/normalize.js";
import type { CliContext } from "../context.js";
import { loadSpecForCli } from "../load-spec.js";
import { report } from "../report.js";
import { environmentsFor } from "./render-run.js";

/** `slipway ci pins`: the actions and images the rendered pipelines use, as pinned. */
export async function ciPinsCommand(ctx: CliContext, opts: { json?: boolean }): Promise<number> {
  const actions = Object.values(actionPins);
  const images = Object.values(imagePins);
  if (opts.json) {
    ctx.stdout.write(`${JSON.stringify({ ok: true, result: { actions, images } })}\n`);
    return 0;
  }
  const width = Math.max(...actions.map((a) => a.action.length));
  const lines = [
    "Actions (uses: OWNER/REPO@SHA # VERSION):",
    ...actions.map((a) => `  ${a.action.padEnd(width)}  ${a.sha}  ${a.version}${a.verified ? "" : "  (SHA not verified)"}`),
    "",
    "Images (GitLab jobs):",
    ...images.map((i) => `  ${i.image}${i.verified ? "" : "  (tag not verified, no digest)"}  ${i.purpose}`),
    "",
    "Updating: docs/ci.md#updating-the-pins (git ls-remote the tag, change src/render/ci/pins.ts, render again).",
  ];
  ctx.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}

/** `slipway ci checklist`: what the pipeline needs that YAML cannot set. */
export async function ciChecklistCommand(ctx: CliContext, opts: { file: string; provider: Provider; json?: boolean }): Promise<number> {
  try {
    const validated = await loadSpecForCli(ctx, resolve(ctx.cwd, opts.file));
    const models = (await environmentsFor(validated, ciRenderer, undefined, ctx.drivers)).map((env) => buildModel(validated, env));
    const items = ciChecklist(models, opts.provider);
    if (opts.json) ctx.stdout.write(`${JSON.stringify({ ok: true, result: { provider: opts.provider, items } })}\n`);
    else ctx.stdout.write(showChecklist(items));
    return 0;
  } catch (error) {
    return report(ctx, error);
  }
}

function showChecklist(items: readonly ChecklistItem[]): string {
  return `${items
    .map((item, i) => [`${i + 1}. [${item.where}] ${item.title}`, ...item.details.map((d) => `   - ${d}`)].join("\n"))
    .join("\n")}\n`;
}
