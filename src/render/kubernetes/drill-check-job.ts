/*
 * The check query of an AWS restore drill as a one-off Kubernetes Job: the engine's own client
 * image connects to the scratch cluster's endpoint as the app's user (its password from the app's
 * database Secret, never in the manifest) and counts the tables of the app's database; the Job
 * fails when the database does not answer, refuses the login or holds no table. The pod carries
 * the app's labels, so the app's NetworkPolicy (egress to database.cidr) applies to it. Pure.
 */
import type { AppModel, DatabaseModel } from "../../model/app-model.js";
import { containerSecurityContext, type KubeObject, podSecurityContext } from "./render-kubernetes.js";

export interface DrillCheckTarget {
  /** The scratch cluster's writer endpoint and port. */
  host: string;
  port: number;
  /** The scratch cluster's identifier: names the Job and labels it. */
  scratch: string;
}

/** The client image of an engine version: postgres:<major>-alpine, or mysql:<major.minor> (MySQL 8.0's client talks to Aurora MySQL 3). */
export function drillClientImage(db: Pick<DatabaseModel, "engine" | "version">): string {
  if (db.engine === "postgres") return `docker.io/library/postgres:${db.version.split(".")[0]}-alpine`;
  const [major = "8", minor = "0"] = db.version.split(".");
  return `docker.io/library/mysql:${major}.${minor}`;
}

/** The check query's command: prints `tables: N`; fails (exit ≠ 0) on no connection, a refused login, or no table. */
export function drillCheckCommand(db: Pick<DatabaseModel, "engine">): string[] {
  const query =
    db.engine === "postgres"
      ? `psql -X -v ON_ERROR_STOP=1 -At -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d "$DB_NAME" -c "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"`
      : `mysql --protocol=tcp -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USER" -N -B -e "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()" "$DB_NAME"`;
  return ["sh", "-c", `set -e; n=$(${query}); echo "tables: $n"; test "$n" -gt 0`];
}

/** The Job's name: `<app>-drill-check-<last 12 characters of the scratch identifier>` (at most 63). */
export function drillCheckJobName(model: Pick<AppModel, "name">, scratch: string): string {
  const tail = scratch.replace(/[^a-z0-9-]/g, "").slice(-12);
  return `${model.name.slice(0, 63 - 13 - tail.length)}-drill-check-${tail}`.replace(/--+/g, "-").replace(/-$/, "");
}

export function drillCheckJob(model: AppModel, target: DrillCheckTarget): KubeObject | undefined {
  const db = model.database;
  if (!db) return undefined;
  const labels = {
    "app.kubernetes.io/component": "drill-check",
    "app.kubernetes.io/instance": model.name,
    "app.kubernetes.io/managed-by": "slipway",
    "app.kubernetes.io/name": model.name,
    "slipway.dev/drill": target.scratch,
  };
  const env = [
    { name: "DB_HOST", value: target.host },
    { name: "DB_PORT", value: String(target.port) },
    { name: "DB_NAME", value: db.name },
    { name: "DB_USER", value: db.user },
    {
      name: db.engine === "postgres" ? "PGPASSWORD" : "MYSQL_PWD",
      valueFrom: { secretKeyRef: { name: db.secretName, key: "password" } },
    },
    { name: "HOME", value: "/tmp" },
  ];
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: drillCheckJobName(model, target.scratch), namespace: model.namespace, labels },
    spec: {
      activeDeadlineSeconds: 300,
      backoffLimit: 0,
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          containers: [
            {
              name: "check",
              image: drillClientImage(db),
              command: drillCheckCommand(db),
              env,
              resources: { limits: { memory: "128Mi" }, requests: { cpu: "50m", memory: "64Mi" } },
              securityContext: containerSecurityContext(model),
              volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
            },
          ],
          restartPolicy: "Never",
          securityContext: podSecurityContext(model),
          volumes: [{ name: "tmp", emptyDir: { sizeLimit: "16Mi" } }],
        },
      },
    },
  };
}
