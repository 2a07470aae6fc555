import { describe, expect, it } from "vitest";
import { parseExecConfig, parseExecOutput } from "./exec-credential.js";

describe("parseExecConfig", () => {
  it("reads what `aws eks update-kubeconfig` writes", () => {
    expect(
      parseExecConfig("k", {
        apiVersion: "client.authentication.k8s.io/v1beta1",
        command: "aws",
        args: ["--region", "eu-west-2", "eks", "get-token", "--cluster-name", "shop"],
        env: [{ name: "AWS_PROFILE", value: "prod" }],
        interactiveMode: "IfAvailable",
        provideClusterInfo: false,
      }),
    ).toEqual({
      apiVersion: "client.authentication.k8s.io/v1beta1",
      command: "aws",
      args: ["--region", "eu-west-2", "eks", "get-token", "--cluster-name", "shop"],
      env: [{ name: "AWS_PROFILE", value: "prod" }],
      installHint: undefined,
      provideClusterInfo: false,
      interactiveMode: "IfAvailable",
    });
  });

  it.each([
    [{ command: "aws" }, "KUBECONFIG_INVALID", /apiVersion null is not supported/],
    [{ apiVersion: "client.authentication.k8s.io/v1alpha1", command: "x" }, "KUBECONFIG_INVALID", /v1alpha1" is not supported/],
    [{ apiVersion: "client.authentication.k8s.io/v1" }, "KUBECONFIG_INVALID", /exec has no command/],
    [{ apiVersion: "client.authentication.k8s.io/v1", command: "x", args: "a b" }, "KUBECONFIG_INVALID", /args must be a list/],
    [{ apiVersion: "client.authentication.k8s.io/v1", command: "x", env: [{ name: "A" }] }, "KUBECONFIG_INVALID", /env must be a list/],
    [
      { apiVersion: "client.authentication.k8s.io/v1", command: "x", interactiveMode: "Always" },
      "KUBECONFIG_AUTH_UNSUPPORTED",
      /needs an interactive terminal/,
    ],
    ["aws", "KUBECONFIG_INVALID", /exec is not a mapping/],
  ])("%j → %s", (raw, code, message) => {
    let error: unknown;
    try {
      parseExecConfig('kubeconfig k: user "u"', raw);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code });
    expect((error as Error).message).toMatch(message);
  });
});

describe("parseExecOutput", () => {
  const credential = (status: unknown) => JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential", status });

  it("takes a token and its expiry", () => {
    expect(parseExecOutput("p", credential({ token: "k8s-aws-v1.abc", expirationTimestamp: "2026-11-25T12:00:00Z" }))).toEqual({
      token: "k8s-aws-v1.abc",
      expiresAt: Date.parse("2026-11-25T12:00:00Z"),
    });
  });

  it("takes a client certificate and key", () => {
    expect(parseExecOutput("p", credential({ clientCertificateData: "CERT", clientKeyData: "KEY" }))).toEqual({
      clientCertificate: "CERT",
      clientKey: "KEY",
    });
  });

  it.each([
    ["not json", /did not print JSON/],
    [JSON.stringify({ kind: "Other" }), /did not print an ExecCredential/],
    [JSON.stringify({ kind: "ExecCredential" }), /without status/],
    [credential({}), /neither a token nor a client certificate/],
    [credential({ clientCertificateData: "CERT" }), /certificate or key but not both/],
    [credential({ token: "t", expirationTimestamp: "soon" }), /not a time: soon/],
  ])("%s → KUBECONFIG_EXEC_FAILED", (stdout, message) => {
    let error: unknown;
    try {
      parseExecOutput("p", stdout);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: "KUBECONFIG_EXEC_FAILED" });
    expect((error as Error).message).toMatch(message);
  });
});
