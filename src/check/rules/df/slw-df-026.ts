import type { DockerRule } from "../../types.js";
import { runs } from "./helpers.js";
import { gem, unpinnedPackages } from "./packages.js";

export const slwDf026: DockerRule = {
  id: "SLW-DF-026",
  area: "dockerfile",
  title: "Gem packages not pinned",
  severity: "low",
  category: "reliability",
  rationale:
    "An unpinned gem install takes the newest release on RubyGems at build time: the image changes, or breaks, without a change on your side.",
  remediation: "Pin each gem (name:version or -v version), or install from a Gemfile.lock with bundle install.",
  snippet: "RUN gem install bundler:2.6.9 && bundle install",
  peers: { hadolint: [{ id: "DL3028", relation: "same" }] },
  *check(df) {
    for (const ins of runs(df)) {
      const unpinned = unpinnedPackages(ins, gem);
      if (unpinned.length === 0) continue;
      const list = unpinned.slice(0, 5).join(", ") + (unpinned.length > 5 ? ` and ${unpinned.length - 5} more` : "");
      yield { message: `gem install names ${list} without a version`, line: ins.line };
    }
  },
};
