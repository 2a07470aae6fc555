import { describe, expect, it } from "vitest";
import { firstErrorBlock } from "./error-block.js";

const lines = (text: string) => text.replace(/^\n/, "").split("\n");

// Traces as the runtimes print them (paths and versions made up for these tests).
const nodeCjsMissingModule = lines(`
{"time":"2026-12-06T10:00:00.000Z","level":"info","message":"starting"}
node:internal/modules/cjs/loader:1228
  throw err;
  ^

Error: Cannot find module './log'
Require stack:
- /srv/app/src/main.js
    at Module._resolveFilename (node:internal/modules/cjs/loader:1225:15)
    at Module._load (node:internal/modules/cjs/loader:1051:27)
    at Module.require (node:internal/modules/cjs/loader:1311:19)
    at require (node:internal/modules/helpers:179:18)
    at Object.<anonymous> (/srv/app/src/main.js:3:13)
    at Module._compile (node:internal/modules/cjs/loader:1469:14)
    at Module._extensions..js (node:internal/modules/cjs/loader:1548:10) {
  code: 'MODULE_NOT_FOUND',
  requireStack: [ '/srv/app/src/main.js' ]
}

Node.js v24.21.0`);

const nodeEsmMissingModule = lines(`
node:internal/modules/esm/resolve:275
    throw new ERR_MODULE_NOT_FOUND(
          ^

Error [ERR_MODULE_NOT_FOUND]: Cannot find module '/srv/app/src/log/index.js' imported from /srv/app/src/main.js
    at finalizeResolution (node:internal/modules/esm/resolve:275:11)
    at moduleResolve (node:internal/modules/esm/resolve:860:10)
    at defaultResolve (node:internal/modules/esm/resolve:984:11) {
  code: 'ERR_MODULE_NOT_FOUND',
  url: 'file:///srv/app/src/log/index.js'
}

Node.js v24.21.0`);

const nodeTypeError = lines(`
listening on 127.0.0.1:41234
/srv/app/server.js:12
  const limit = config.limits.requests;
                              ^

TypeError: Cannot read properties of undefined (reading 'requests')
    at Object.<anonymous> (/srv/app/server.js:12:31)
    at Module._compile (node:internal/modules/cjs/loader:1469:14)

Node.js v24.21.0`);

const pythonTraceback = lines(`
[2026-12-06 10:00:00 +0000] [4242] [INFO] Starting gunicorn 23.0.0
[2026-12-06 10:00:00 +0000] [4242] [INFO] Listening at: http://127.0.0.1:41234 (4242)
[2026-12-06 10:00:00 +0000] [4243] [ERROR] Exception in worker process
Traceback (most recent call last):
  File "/srv/app/.venv/lib/python3.13/site-packages/gunicorn/arbiter.py", line 608, in spawn_worker
    worker.init_process()
  File "/srv/app/.venv/lib/python3.13/site-packages/gunicorn/util.py", line 371, in import_app
    mod = importlib.import_module(module)
  File "/srv/app/journal_app.py", line 1, in <module>
    from app import create_app, db
  File "/srv/app/app/__init__.py", line 4, in <module>
    from flask_mail import Mail
ModuleNotFoundError: No module named 'flask_mail'
[2026-12-06 10:00:00 +0000] [4243] [INFO] Worker exiting (pid: 4243)
[2026-12-06 10:00:00 +0000] [4242] [ERROR] Worker (pid:4243) exited with code 3
[2026-12-06 10:00:00 +0000] [4242] [ERROR] Shutting down: Master
[2026-12-06 10:00:00 +0000] [4242] [ERROR] Reason: Worker failed to boot.`);

const pythonChained = lines(`
Traceback (most recent call last):
  File "/srv/app/inventory/db.py", line 20, in connect
    return engine.connect()
psycopg.OperationalError: connection refused

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/srv/app/inventory/main.py", line 8, in <module>
    connect()
sqlalchemy.exc.OperationalError: (psycopg.OperationalError) connection refused`);

// Flask's CLI (here `flask db upgrade`) says "Error:" first, then the traceback that explains it.
const flaskCliImportError = lines(`
Error: While importing 'journal_app', an ImportError was raised:

Traceback (most recent call last):
  File "/srv/app/.venv/lib/python3.11/site-packages/flask/cli.py", line 245, in locate_app
    __import__(module_name)
  File "/srv/app/.venv/lib/python3.11/site-packages/sqlalchemy/dialects/postgresql/psycopg.py", line 497, in import_dbapi
    import psycopg
ModuleNotFoundError: No module named 'psycopg'


Usage: flask [OPTIONS] COMMAND [ARGS]...
Try 'flask --help' for help.

Error: No such command 'db'.`);

const rubyNameError = lines(`
=> Booting Puma
=> Rails 7.2.2 application starting in production
/srv/app/config/routes.rb:3:in 'block in <main>': uninitialized constant RepairsController (NameError)
	from /srv/app/vendor/bundle/ruby/3.3.0/gems/actionpack-7.2.2/lib/action_dispatch/routing/route_set.rb:479:in 'instance_exec'
	from /srv/app/vendor/bundle/ruby/3.3.0/gems/actionpack-7.2.2/lib/action_dispatch/routing/route_set.rb:479:in 'eval_block'
	from /srv/app/vendor/bundle/ruby/3.3.0/gems/actionpack-7.2.2/lib/action_dispatch/routing/route_set.rb:461:in 'draw'
	from /srv/app/config/routes.rb:1:in '<main>'
	from /srv/app/vendor/bundle/ruby/3.3.0/gems/railties-7.2.2/lib/rails/application/routes_reloader.rb:62:in 'load'
	from /srv/app/vendor/bundle/ruby/3.3.0/gems/railties-7.2.2/lib/rails/application/routes_reloader.rb:62:in 'block in load_paths'
	from /srv/app/bin/rails:4:in '<main>'`);

const rubyLoadError = lines(`
<internal:/usr/lib/ruby/3.3.0/rubygems/core_ext/kernel_require.rb>:136:in \`require': cannot load such file -- mysql2 (LoadError)
	from <internal:/usr/lib/ruby/3.3.0/rubygems/core_ext/kernel_require.rb>:136:in \`require'
	from /srv/app/config/application.rb:3:in \`<top (required)>'`);

describe("firstErrorBlock", () => {
  it.each([
    [
      "Node, CommonJS: the error, its require stack and the first frames (not the code object or the version line)",
      nodeCjsMissingModule,
      [
        "node:internal/modules/cjs/loader:1228",
        "  throw err;",
        "  ^",
        "",
        "Error: Cannot find module './log'",
        "Require stack:",
        "- /srv/app/src/main.js",
        "    at Module._resolveFilename (node:internal/modules/cjs/loader:1225:15)",
        "    at Module._load (node:internal/modules/cjs/loader:1051:27)",
        "    at Module.require (node:internal/modules/cjs/loader:1311:19)",
        "    at require (node:internal/modules/helpers:179:18)",
        "    at Object.<anonymous> (/srv/app/src/main.js:3:13)",
        "    …",
      ],
    ],
    [
      "Node, ESM: the coded error",
      nodeEsmMissingModule,
      [
        "node:internal/modules/esm/resolve:275",
        "    throw new ERR_MODULE_NOT_FOUND(",
        "          ^",
        "",
        "Error [ERR_MODULE_NOT_FOUND]: Cannot find module '/srv/app/src/log/index.js' imported from /srv/app/src/main.js",
        "    at finalizeResolution (node:internal/modules/esm/resolve:275:11)",
        "    at moduleResolve (node:internal/modules/esm/resolve:860:10)",
        "    at defaultResolve (node:internal/modules/esm/resolve:984:11) {",
      ],
    ],
    [
      "Node, a TypeError in the app: the line that threw and the caret",
      nodeTypeError,
      [
        "/srv/app/server.js:12",
        "  const limit = config.limits.requests;",
        "                              ^",
        "",
        "TypeError: Cannot read properties of undefined (reading 'requests')",
        "    at Object.<anonymous> (/srv/app/server.js:12:31)",
        "    at Module._compile (node:internal/modules/cjs/loader:1469:14)",
      ],
    ],
    ["Python under gunicorn: from Traceback to the exception line", pythonTraceback, pythonTraceback.slice(3, 13)],
    ["Python, chained: the first traceback only", pythonChained, pythonChained.slice(0, 4)],
    ["Flask's CLI: the traceback, not its own Error: line", flaskCliImportError, flaskCliImportError.slice(2, 8)],
    ["Ruby: the NameError and its first five frames", rubyNameError, [...rubyNameError.slice(2, 8), "    …"]],
    ["Ruby, older quoting: a LoadError", rubyLoadError, rubyLoadError],
  ])("%s", (_what, input, expected) => {
    expect(firstErrorBlock(input)).toEqual(expected);
  });

  it("keeps the head and the end of a long Python trace", () => {
    const frames = Array.from({ length: 30 }, (_, i) => [`  File "/srv/app/m${i}.py", line ${i + 1}, in f${i}`, `    f${i + 1}()`]).flat();
    const trace = ["Traceback (most recent call last):", ...frames, "RecursionError: maximum recursion depth exceeded"];
    const block = firstErrorBlock(["boot", ...trace, "worker exited"]);
    expect(block).toHaveLength(16);
    expect(block?.[0]).toBe("Traceback (most recent call last):");
    expect(block?.[1]).toBe("  … 47 more lines of the trace …");
    expect(block?.at(-1)).toBe("RecursionError: maximum recursion depth exceeded");
  });

  it.each([
    ["a clean log", ["listening on 127.0.0.1:3000", "GET / 200"]],
    ["an empty log", []],
    ["a word 'Error' inside a log line", ['{"level":"error","message":"Error: upstream timeout"}', "[ERROR] Worker exited"]],
    ["a JSON log with a stack field", ['{"err":"TypeError: x is undefined","stack":"    at f (/a.js:1:1)"}']],
  ])("none in %s", (_what, input) => {
    expect(firstErrorBlock(input)).toBeUndefined();
  });
});
