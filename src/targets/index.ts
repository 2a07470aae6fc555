/**
 * The target registry: one line per target type, each driver loaded when an environment of that
 * type is first used (so `slipway render` never loads the Kubernetes client, nor `deploy -e local`
 * the cluster code). Adding a target is a folder with a driver and a line here.
 */
import { SlipwayError } from "../errors/slipway-error.js";
import type { TargetDriver } from "./driver.js";

export type DriverLoader = () => Promise<TargetDriver>;

export interface DriverRegistry {
  /** The driver of a target type; DEPLOY_TARGET_UNSUPPORTED for a type no driver serves. */
  driver(type: string): Promise<TargetDriver>;
  /** Every target type the registry serves, sorted. */
  types(): string[];
}

const builtin: Readonly<Record<string, DriverLoader>> = {
  local: async () => (await import("./local/driver.js")).localDriver,
  kubernetes: async () => (await import("./kubernetes/driver.js")).kubernetesDriver,
  host: async () => (await import("./host/driver.js")).hostDriver,
};

/** A registry over `loaders` (tests pass their own drivers). */
export function driverRegistry(loaders: Readonly<Record<string, DriverLoader>> = builtin): DriverRegistry {
  const loaded = new Map<string, Promise<TargetDriver>>();
  return {
    types: () => Object.keys(loaders).sort(),
    driver(type) {
      const load = Object.hasOwn(loaders, type) ? loaders[type] : undefined;
      if (load === undefined)
        return Promise.reject(
          new SlipwayError("DEPLOY_TARGET_UNSUPPORTED", `no driver for target type '${type}' in this version of slipway`, {
            hint: `Known target types: ${Object.keys(loaders).sort().join(", ")}.`,
          }),
        );
      let driver = loaded.get(type);
      if (driver === undefined) {
        driver = load();
        loaded.set(type, driver);
      }
      return driver;
    },
  };
}

/** The drivers this slipway ships. */
export const targetDrivers: DriverRegistry = driverRegistry();

/** The driver of an environment's target. */
export function driverOf(env: { target: { type: string } }, registry: DriverRegistry = targetDrivers): Promise<TargetDriver> {
  return registry.driver(env.target.type);
}
