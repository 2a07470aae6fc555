import type { DockerRule } from "../../types.js";
import { parseImageRef } from "../k8s/image.js";
import { finalStage, isStageRef } from "./helpers.js";

export const slwDf004: DockerRule = {
  id: "SLW-DF-004",
  area: "dockerfile",
  title: "Base image not pinned by digest",
  severity: "low",
  category: "security",
  rationale:
    "A tag such as node:24-slim moves with every rebuild upstream; only a digest makes the build reproducible and the scanned base the one that ships.",
  remediation: "Pin the runtime base image by digest (and let a bot such as Renovate update it).",
  snippet: "FROM python:3.13-slim@sha256:…",
  peers: {},
  *check(df) {
    const stage = finalStage(df);
    if (!stage) return;
    const image = stage.image;
    if (image.toLowerCase() === "scratch" || isStageRef(df, image) || image.includes("$")) return;
    if (!parseImageRef(image).digest) yield { message: `FROM ${image} is not pinned by digest`, line: stage.from.line };
  },
};
