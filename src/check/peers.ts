/*
 * Reading a rule's peer checks: one flat list for the `rules` command, SARIF and the docs.
 */
import type { PeerCheck, PeerIds } from "./types.js";

/** Display names of the peers, in the order they are shown. */
export const peerNames: Readonly<Record<keyof PeerIds, string>> = {
  kubeScore: "kube-score",
  kubeLinter: "kube-linter",
  polaris: "Polaris",
  checkov: "Checkov",
  trivy: "Trivy",
  hadolint: "hadolint",
};

export interface NamedPeerCheck {
  peer: keyof PeerIds;
  check: PeerCheck;
}

/** Every peer check of a rule, peers in `peerNames` order. */
export function peerChecks(peers: PeerIds): NamedPeerCheck[] {
  return (Object.keys(peerNames) as (keyof PeerIds)[]).flatMap((peer) => (peers[peer] ?? []).map((check) => ({ peer, check })));
}

/** `DL3008` or `DL4006 (looser: only when …)`. */
export function describePeerCheck(check: PeerCheck): string {
  return check.relation === "same" ? check.id : `${check.id} (${check.relation}: ${check.note})`;
}
