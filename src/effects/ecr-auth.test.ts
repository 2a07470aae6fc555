import { describe, expect, it } from "vitest";
import { SlipwayError } from "../errors/slipway-error.js";
import {
  awsError,
  decodeEcrToken,
  dockerConfigCopy,
  ecrRegistryOf,
  expiryMarginMs,
  hasCredentialHelper,
  loginArgv,
  tokenFresh,
} from "./ecr-auth.js";

describe("ecrRegistryOf", () => {
  it("reads account, region and partition from ECR hosts", () => {
    expect(ecrRegistryOf("123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web")).toEqual({
      host: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
      account: "123456789012",
      region: "eu-west-1",
      partition: "aws",
    });
    expect(ecrRegistryOf("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/web:1")).toMatchObject({
      region: "cn-north-1",
      partition: "aws-cn",
    });
    expect(ecrRegistryOf("123456789012.dkr.ecr.us-gov-west-1.amazonaws.com/web")).toMatchObject({ partition: "aws-us-gov" });
    expect(ecrRegistryOf("123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/web")).toMatchObject({ region: "us-east-1" });
    expect(ecrRegistryOf("123456789012.DKR.ECR.ap-southeast-2.AMAZONAWS.COM/web")?.host).toBe(
      "123456789012.dkr.ecr.ap-southeast-2.amazonaws.com",
    );
  });

  it("is undefined for other registries, ECR-looking repository paths included", () => {
    for (const image of [
      "registry.example.com/web",
      "127.0.0.1:5000/web",
      "web",
      "ghcr.io/123456789012.dkr.ecr.eu-west-1.amazonaws.com/web",
      "public.ecr.aws/abc/web",
    ])
      expect(ecrRegistryOf(image)).toBeUndefined();
  });

  it("refuses an ECR-looking host without account or region, rather than guess one", () => {
    for (const image of [
      "12345.dkr.ecr.eu-west-1.amazonaws.com/web",
      "123456789012.dkr.ecr.amazonaws.com/web",
      "123456789012.dkr.ecr.eu-west-1.amazonaws.com.cn/web",
    ]) {
      let caught: unknown;
      try {
        ecrRegistryOf(image);
      } catch (error) {
        caught = error;
      }
      expect(caught, image).toBeInstanceOf(SlipwayError);
      expect((caught as SlipwayError).code).toBe("BUILD_REGISTRY_AUTH");
      expect((caught as SlipwayError).hint).toContain("<region>.amazonaws.com");
    }
  });
});

describe("tokenFresh", () => {
  const now = 1_800_000_000_000;
  it("serves until the margin before expiresAt, never after", () => {
    expect(tokenFresh(now + 12 * 3600_000, now)).toBe(true);
    expect(tokenFresh(now + expiryMarginMs + 1, now)).toBe(true);
    expect(tokenFresh(now + expiryMarginMs, now)).toBe(false);
    expect(tokenFresh(now - 1, now)).toBe(false);
    expect(tokenFresh(Number.NaN, now)).toBe(false);
  });
});

describe("decodeEcrToken", () => {
  it("splits base64 of AWS:<password> at the first colon", () => {
    const token = Buffer.from("AWS:pass:with:colons").toString("base64");
    expect(decodeEcrToken(token)).toEqual({ username: "AWS", password: "pass:with:colons" });
  });
  it("rejects what is not a token", () => {
    expect(decodeEcrToken("not base64!")).toBeUndefined();
    expect(decodeEcrToken(Buffer.from("nocolon").toString("base64"))).toBeUndefined();
    expect(decodeEcrToken(Buffer.from("AWS:").toString("base64"))).toBeUndefined();
  });
});

describe("loginArgv", () => {
  it("takes the password on stdin: the argv holds only the user name", () => {
    expect(loginArgv({ kind: "podman", command: "podman" }, "1.dkr", "/tmp/a", "AWS")).toEqual([
      "podman",
      "login",
      "--authfile",
      "/tmp/a/auth.json",
      "--username",
      "AWS",
      "--password-stdin",
      "1.dkr",
    ]);
    expect(loginArgv({ kind: "docker", command: "docker" }, "1.dkr", "/tmp/a", "AWS")).toEqual([
      "docker",
      "--config",
      "/tmp/a",
      "login",
      "--username",
      "AWS",
      "--password-stdin",
      "1.dkr",
    ]);
  });
});

describe("hasCredentialHelper", () => {
  const host = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
  it("sees a credHelpers entry for the host only", () => {
    expect(hasCredentialHelper(JSON.stringify({ credHelpers: { [host]: "ecr-login" } }), host)).toBe(true);
    expect(hasCredentialHelper(JSON.stringify({ credHelpers: { "other.example": "ecr-login" } }), host)).toBe(false);
    expect(hasCredentialHelper(JSON.stringify({ auths: { [host]: { auth: "x" } } }), host)).toBe(false);
    expect(hasCredentialHelper("{not json", host)).toBe(false);
    expect(hasCredentialHelper(undefined, host)).toBe(false);
  });
});

describe("dockerConfigCopy", () => {
  const host = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
  it("drops credsStore and the registry's helper, keeps the rest", () => {
    const user = {
      auths: { "ghcr.io": { auth: "eA==" } },
      credsStore: "desktop",
      credHelpers: { [host]: "ecr-login", "gcr.io": "gcloud" },
      currentContext: "ci",
    };
    expect(JSON.parse(dockerConfigCopy(JSON.stringify(user), host))).toEqual({
      auths: { "ghcr.io": { auth: "eA==" } },
      credHelpers: { "gcr.io": "gcloud" },
      currentContext: "ci",
    });
    expect(JSON.parse(dockerConfigCopy(undefined, host))).toEqual({});
    expect(JSON.parse(dockerConfigCopy("[1]", host))).toEqual({});
    expect(JSON.parse(dockerConfigCopy("{broken", host))).toEqual({});
  });
});

describe("awsError", () => {
  const registry = {
    host: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
    account: "123456789012",
    region: "eu-west-1",
    partition: "aws" as const,
  };
  const named = (name: string, message: string) => Object.assign(new Error(message), { name });
  it("no credentials: the hint names AWS_PROFILE and aws sso login", () => {
    const e = awsError(named("CredentialsProviderError", "Could not load credentials from any providers"), registry);
    expect(e.code).toBe("BUILD_REGISTRY_AUTH");
    expect(e.message).toBe(`no AWS credentials to log in to Amazon ECR ${registry.host}: Could not load credentials from any providers`);
    expect(e.hint).toMatch(/AWS_PROFILE.*`aws sso login`/);
  });
  it("access denied: the hint names the permission", () => {
    const e = awsError(
      named("AccessDeniedException", "User: arn:aws:iam::1:user/ci is not authorized to perform: ecr:GetAuthorizationToken"),
      registry,
    );
    expect(e.message).toContain("Amazon ECR refused GetAuthorizationToken");
    expect(e.hint).toContain("ecr:GetAuthorizationToken");
  });
  it("anything else: the service was not reached, first line only", () => {
    const e = awsError(named("TimeoutError", "connect ETIMEDOUT\nmore"), registry);
    expect(e.message).toBe(`could not get an Amazon ECR token for ${registry.host} in eu-west-1 (TimeoutError): connect ETIMEDOUT`);
    expect(e.hint).toContain("AWS_ENDPOINT_URL_ECR");
  });
});
