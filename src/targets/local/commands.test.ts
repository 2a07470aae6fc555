import { describe, expect, it } from "vitest";
import { appCommand, buildStepCommands, proxyCommand, releaseMarkers, resolveCommand } from "./commands.js";

describe("the local target's commands as data", () => {
  it("runs `node` as the Node that runs slipway, and anything else as written", () => {
    expect(resolveCommand(["node", "server.js", "--port", "3000"], "/opt/node/bin/node")).toEqual([
      "/opt/node/bin/node",
      "server.js",
      "--port",
      "3000",
    ]);
    expect(resolveCommand(["gunicorn", "app:app"], "/opt/node/bin/node")).toEqual(["gunicorn", "app:app"]);
    expect(resolveCommand(["nodemon", "node"], "/opt/node/bin/node")).toEqual(["nodemon", "node"]);
  });

  it("starts the app with app.command then app.args, and nothing without a command", () => {
    expect(appCommand({ command: ["node", "server.js"], args: ["--workers", "2"] })).toEqual(["node", "server.js", "--workers", "2"]);
    expect(appCommand({ command: ["bin/web"], args: undefined })).toEqual(["bin/web"]);
    expect(appCommand({ command: undefined, args: ["--x"] })).toBeUndefined();
  });

  it("starts the proxy with its state folder and address appended to its entry", () => {
    expect(
      proxyCommand(["/usr/bin/slipway", "__proxy"], { stateDir: "/srv/app/.slipway/prod/proxy", host: "127.0.0.1", port: 8080 }),
    ).toEqual(["/usr/bin/slipway", "__proxy", "--state", "/srv/app/.slipway/prod/proxy", "--host", "127.0.0.1", "--port", "8080"]);
  });

  it("runs app.build.steps in order, `node` resolved", () => {
    const build = {
      context: ".",
      dockerfile: "Dockerfile",
      platforms: [],
      steps: [
        ["python", "manage.py", "collectstatic", "--noinput"],
        ["node", "build.js"],
      ],
    };
    expect(buildStepCommands({ build }, "/n")).toEqual([
      ["python", "manage.py", "collectstatic", "--noinput"],
      ["/n", "build.js"],
    ]);
    expect(buildStepCommands({ build: undefined }, "/n")).toEqual([]);
  });

  it("marks every process a deploy starts with its release folder and role", () => {
    expect(releaseMarkers("/srv/app/.slipway/prod/releases/7", "migrate")).toEqual({
      SLIPWAY_RELEASE_DIR: "/srv/app/.slipway/prod/releases/7",
      SLIPWAY_RELEASE_ROLE: "migrate",
    });
  });
});
