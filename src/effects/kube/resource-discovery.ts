import type { ResourceInfo } from "./kube-api.js";
import type { KubeTransport } from "./kube-transport.js";
import { statusError } from "./status-error.js";

interface ApiResourceList {
  resources?: { name: string; kind: string; namespaced: boolean }[];
}

/**
 * Maps apiVersion + kind to the resource's plural and scope through the API server's discovery
 * documents (`/api/v1`, `/apis/<group>/<version>`), one request per group version, cached.
 * A miss is asked again (not cached), so a CRD installed after the first look is found.
 */
export class ResourceDiscovery {
  private readonly cache = new Map<string, Map<string, ResourceInfo>>();
  /** Requests in flight: objects applied in parallel ask for one group version once. */
  private readonly pending = new Map<string, Promise<Map<string, ResourceInfo> | undefined>>();

  constructor(private readonly transport: KubeTransport) {}

  async discover(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    const cached = this.cache.get(apiVersion)?.get(kind);
    if (cached !== undefined) return cached;
    let request = this.pending.get(apiVersion);
    if (request === undefined) {
      request = this.fetchGroupVersion(apiVersion).finally(() => this.pending.delete(apiVersion));
      this.pending.set(apiVersion, request);
    }
    const kinds = await request;
    if (kinds === undefined) {
      this.cache.delete(apiVersion);
      return undefined;
    }
    this.cache.set(apiVersion, kinds);
    return kinds.get(kind);
  }

  /** Forgets everything (e.g. after installing CRDs). */
  invalidate(): void {
    this.cache.clear();
  }

  private async fetchGroupVersion(apiVersion: string): Promise<Map<string, ResourceInfo> | undefined> {
    const path = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const res = await this.transport.send({ method: "GET", path });
    if (res.status === 404) return undefined;
    if (res.status < 200 || res.status >= 300) throw statusError(`discovery of ${apiVersion}`, res.status, res.body);
    const list = JSON.parse(res.body) as ApiResourceList;
    const kinds = new Map<string, ResourceInfo>();
    for (const r of list.resources ?? []) {
      // Subresources (`deployments/scale`, `pods/log`) share kinds with real resources; skip them.
      if (r.name.includes("/")) continue;
      kinds.set(r.kind, { apiVersion, kind: r.kind, plural: r.name, namespaced: r.namespaced });
    }
    return kinds;
  }
}
