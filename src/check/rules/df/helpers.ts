import type { DockerfileSubject, DockerInstruction, DockerStage } from "../../types.js";

/** The stage whose image is the build's result: the last one. */
export function finalStage(df: DockerfileSubject): DockerStage | undefined {
  return df.stages[df.stages.length - 1];
}

/** The image a stage builds on, following FROM <earlier alias> back to a real image. */
export function baseImage(df: DockerfileSubject, stage: DockerStage): string {
  let image = stage.image;
  for (let hops = 0; hops < df.stages.length; hops++) {
    const parent = df.stages.find((s) => s.alias !== undefined && s.alias === image.toLowerCase());
    if (!parent || parent === stage) break;
    image = parent.image;
  }
  return image;
}

/** Whether an image name refers to an earlier stage rather than a registry image. */
export function isStageRef(df: DockerfileSubject, image: string): boolean {
  return df.stages.some((s) => s.alias === image.toLowerCase());
}

/** Shell commands of a RUN, split on && ; || and new lines. */
export function commands(ins: DockerInstruction): string[] {
  const text = ins.json ? ins.json.join(" ") : ins.rest;
  return text
    .split(/&&|\|\||;|\n/)
    .map((c) => c.trim())
    .filter((c) => c !== "");
}

/** `apt-get install`, `apt install` or `aptitude install` (aptitude is apt's front end, with the same prompts and lists). */
export const debInstall = /\b(apt-get|apt|aptitude)\s+(.*\s)?install\b/;

/**
 * Stages whose layers end up in the built image: the final stage and the stages it builds FROM, in a
 * chain. A stage only copied from (COPY --from) or not used at all leaves its layers behind.
 */
export function stagesInFinalImage(df: DockerfileSubject): Set<number> {
  const out = new Set<number>();
  let stage = df.stages.length - 1;
  while (stage >= 0 && !out.has(stage)) {
    out.add(stage);
    const image = (df.stages[stage] as DockerStage).image.toLowerCase();
    stage = df.stages.findIndex((s, k) => k < stage && s.alias === image);
  }
  return out;
}

export function runs(df: DockerfileSubject): DockerInstruction[] {
  return df.instructions.filter((i) => i.keyword === "RUN");
}
