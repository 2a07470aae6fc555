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

export function runs(df: DockerfileSubject): DockerInstruction[] {
  return df.instructions.filter((i) => i.keyword === "RUN");
}
