import { describe, expect, it } from "vitest";
import type { AppModel } from "../../model/app-model.js";
import { selectorLabels } from "../../render/kubernetes/labels.js";
import { podReady, webSelector } from "./web-pods.js";

const pod = (conditions: unknown) => ({ metadata: { name: "web-a" }, status: { conditions } });

describe("podReady", () => {
  it.each([
    [
      "Ready=True",
      pod([
        { type: "PodScheduled", status: "True" },
        { type: "Ready", status: "True" },
      ]),
      true,
    ],
    ["Ready=False", pod([{ type: "Ready", status: "False" }]), false],
    ["Ready=Unknown", pod([{ type: "Ready", status: "Unknown" }]), undefined],
    ["no Ready condition yet", pod([{ type: "PodScheduled", status: "True" }]), undefined],
    ["conditions not a list", pod("Ready"), undefined],
    ["not an object", "pod", undefined],
  ])("%s", (_name, observed, expected) => {
    expect(podReady(observed)).toBe(expected);
  });
});

describe("webSelector", () => {
  it("selects the web component of the app's instance, with labels the renderer puts on web pods", () => {
    expect(webSelector("shop")).toBe("app.kubernetes.io/instance=shop,app.kubernetes.io/component=web");
    const rendered = selectorLabels({ name: "shop" } as AppModel, "web");
    for (const term of webSelector("shop").split(",")) {
      const [key = "", value] = term.split("=");
      expect(rendered[key]).toBe(value);
    }
  });
});
