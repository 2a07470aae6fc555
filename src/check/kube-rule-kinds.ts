/*
 * The object kinds each Kubernetes rule can report on, for the rules whose check starts with a
 * kind guard (a pod template, `s.kind !== …`, long-running workloads). The rule loop skips a rule
 * for the kinds it would return on at once: on a 10k-object input that is most of the rules ×
 * objects calls, each a generator. A rule not listed here runs on every kind. Read from the rule
 * sources; test/unit/check/kube-rule-kinds.test.ts runs each listed rule on objects of every other
 * kind and fails when one reports something, so a list too narrow cannot hide a finding.
 */
import { workloadKinds } from "./rules/k8s/pod.js";

const kinds = (...names: string[]): ReadonlySet<string> => new Set(names);
/** What podTemplateOf / eachContainer answer for. */
const workloads: ReadonlySet<string> = workloadKinds;
/** isLongRunning. */
const longRunning = kinds("Deployment", "DeploymentConfig", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Pod");
const scaled = kinds("Deployment", "StatefulSet", "DeploymentConfig");

export const kubeRuleKinds: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ..."001 002 003 004 005 006 007 008 009 010 011 012 013 014 015 016 017 018 019 020 021 025 026 027 028 029 042 050 053 058 059 060 061 063 064 066 076"
    .split(" ")
    .map((n) => [`SLW-K8S-${n}`, workloads] as const),
  ...["022", "023", "024", "044", "045", "065"].map((n) => [`SLW-K8S-${n}`, longRunning] as const),
  ["SLW-K8S-030", scaled],
  ["SLW-K8S-031", scaled],
  ["SLW-K8S-032", scaled],
  ["SLW-K8S-033", kinds("PodDisruptionBudget")],
  ["SLW-K8S-034", kinds("PodDisruptionBudget")],
  ["SLW-K8S-035", kinds("HorizontalPodAutoscaler")],
  ["SLW-K8S-036", kinds("HorizontalPodAutoscaler")],
  ["SLW-K8S-037", kinds("Deployment", "StatefulSet")],
  ["SLW-K8S-038", kinds("Service")],
  ["SLW-K8S-039", kinds("Service")],
  ["SLW-K8S-040", kinds("Ingress")],
  ["SLW-K8S-041", kinds("Ingress")],
  ["SLW-K8S-043", kinds("NetworkPolicy")],
  ["SLW-K8S-047", kinds("ClusterRoleBinding", "RoleBinding")],
  ["SLW-K8S-051", kinds("ConfigMap")],
  ["SLW-K8S-054", kinds("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "DeploymentConfig")],
  ["SLW-K8S-055", kinds("Deployment")],
  ["SLW-K8S-056", kinds("Job")],
  ["SLW-K8S-057", kinds("CronJob")],
  ["SLW-K8S-067", kinds("Secret")],
  ["SLW-K8S-068", kinds("NetworkPolicy")],
  ["SLW-K8S-069", kinds("Service")],
  ["SLW-K8S-070", kinds("Ingress")],
  ["SLW-K8S-071", kinds("Deployment")],
  ["SLW-K8S-072", kinds("Pod")],
  ["SLW-K8S-073", kinds("Service")],
  ["SLW-K8S-074", kinds(...workloads, "Service")],
  ["SLW-K8S-075", kinds("NetworkPolicy")],
  ["SLW-K8S-077", kinds("Job", "CronJob")],
  ["SLW-K8S-078", kinds("CronJob")],
]);
