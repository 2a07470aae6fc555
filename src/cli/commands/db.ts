import type { CliContext } from "../context.js";
import { report } from "../report.js";
import { type EnvOptions, loadEnvironment, styled, unsupported, withSession } from "./environment.js";

export interface DbOptions extends EnvOptions {
  /** The AWS drill: the source cluster, the Terraform outputs, its time limits. */
  cluster?: string;
  infra?: string;
  infraDir?: string;
  timeout?: number;
  poll?: number;
  keep?: number;
  from?: string;
  yes?: boolean;
}

/** `slipway db backup|restore|drill`: the environment's session does the work, this prints it. */
export async function dbCommand(ctx: CliContext, action: "backup" | "restore" | "drill", opts: DbOptions): Promise<number> {
  try {
    const loaded = await loadEnvironment(ctx, opts);
    if (action === "drill" && loaded.driver.type !== "local") {
      const aws = await import("./db-aws.js");
      if (aws.isAwsDrill(loaded)) return await aws.awsDrillCommand(ctx, loaded, opts);
    }
    const notHere = () =>
      unsupported(
        loaded,
        `slipway db ${action} works on a database slipway runs itself${action === "drill" ? " or on an Aurora cluster of an environment with an infra block" : ""}`,
        action === "drill"
          ? "Use it with an environment whose target is local, or add an infra block (render terraform) so slipway knows the Aurora cluster."
          : "Use it with an environment whose target is local or host; managed databases keep their own backups (drill them with slipway db drill).",
      );
    if (!loaded.driver.capabilities.db) throw notHere();
    const view = await withSession(ctx, loaded, "db", async (session) => {
      const db = session.db;
      if (!db) throw notHere();
      if (action === "backup") return db.backup({ keep: opts.keep });
      // Held by the restore and the drill, refused (DEPLOY_LOCKED, naming the holder) while a deploy,
      // a restore or another drill holds it: a deploy must not migrate the database while it is
      // replaced; a drill runs the current release's migrations in a scratch database, and a deploy's
      // recovery (or a second drill's clean-up of stale scratch databases) would pull its files and
      // database from under it.
      const holding = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
        const lock = await session.lock.acquire(`slipway db ${what} -e ${loaded.env.name}`, { wait: false, timeoutMs: 0 });
        try {
          return await work();
        } finally {
          await lock.release();
        }
      };
      if (action === "restore") {
        const request = { from: opts.from ?? "latest", yes: opts.yes === true, keep: opts.keep };
        if (!request.yes) return db.restore(request);
        return holding("restore", () => db.restore(request));
      }
      return holding("drill", () => db.drill({ from: opts.from ?? "latest" }));
    });
    const redactor = ctx.secrets;
    const result = redactor ? redactor.deep(view.result) : view.result;
    if (ctx.json) ctx.stdout.write(`${JSON.stringify({ ok: true, result })}\n`);
    else for (const line of view.lines) ctx.stdout.write(`${redactor ? redactor.text(styled(ctx, line)) : styled(ctx, line)}\n`);
    return 0;
  } catch (error) {
    return report(ctx, error);
  }
}
