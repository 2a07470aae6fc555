/**
 * The Host header of every health check slipway makes or renders: the kubelet's httpGet probes and
 * the local target's health gate. Without one the kubelet sends the pod's IP, which frameworks with a
 * host allow-list (Django ALLOWED_HOSTS, Rails config.hosts) refuse (400), so pods never become
 * Ready. One fixed name the app can allow everywhere instead: see docs/app-contract.md.
 */
export const probeHost = "localhost";
