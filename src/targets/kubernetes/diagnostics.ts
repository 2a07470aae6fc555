import { isKubeError } from "../../effects/kube/kube-error.js";
import type { KubeTargetState } from "./target-state.js";
import type { WaitEvidence } from "./waiters/types.js";

interface EventLike {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string;
  eventTime?: string;
  metadata?: { creationTimestamp?: string };
}

function eventTime(e: EventLike): string {
  return e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? "";
}

/**
 * Adds what explains a failure: the failed container's last log lines (secrets redacted; the
 * previous instance first, as a crash loop's current one has barely started) and the events about
 * the pod. kwok serves no logs unless the test cluster maps them to a file.
 */
export async function withDiagnostics(state: KubeTargetState, namespace: string, evidence: WaitEvidence): Promise<WaitEvidence> {
  const { api } = state.settings;
  const redact = (text: string) => state.redactor.text(text);
  if (evidence.pod === undefined) return evidence;
  let out: WaitEvidence = evidence;
  for (const previous of [true, false]) {
    try {
      const text = await api.podLogs(namespace, evidence.pod, evidence.container, { tailLines: 20, previous });
      const lines = text.split("\n").filter((line) => line !== "");
      if (lines.length === 0 && previous) continue;
      out = { ...out, logTail: lines.map(redact) };
      break;
    } catch (error) {
      if (!isKubeError(error)) throw error;
    }
  }
  try {
    const events = await api.list("v1", "Event", namespace, { fieldSelector: `involvedObject.name=${evidence.pod}` });
    const lines = (events.items as EventLike[])
      .sort((a, b) => eventTime(a).localeCompare(eventTime(b)))
      .slice(-10)
      .map((e) =>
        redact(`${e.type ?? "Normal"} ${e.reason ?? ""}: ${e.message ?? ""}${(e.count ?? 1) > 1 ? ` (×${e.count})` : ""}`.trim()),
      );
    if (lines.length > 0) out = { ...out, events: lines };
  } catch (error) {
    if (!isKubeError(error)) throw error;
  }
  return out;
}
