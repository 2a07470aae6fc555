import { describe, expect, it } from "vitest";
import { parseSpecText } from "../../spec/load.js";
import { buildModel, chooseEnvironment } from "../../spec/normalize.js";
import { validateSpec } from "../../spec/validate.js";
import { proxyTls, proxyUrl } from "./proxy.js";

const model = (target: string, ingress = "ingress: { host: shop.example.com }\n", production = false) => {
  const text = `name: shop
app:
  image: localhost/shop:1
  port: 8080
  health: /health
${ingress}environments:
  production:
    target: server
    production: ${production}
targets:
  server:
    type: host
    ssh: deploy@203.0.113.7
${target}`;
  const validated = validateSpec(parseSpecText(text, "/app/slipway.yaml"));
  return buildModel(validated, chooseEnvironment(validated, "production"));
};

describe("the host proxy's TLS", () => {
  it("defaults to ACME in a production environment, to plain HTTP elsewhere", () => {
    expect(proxyTls(model(""), true)).toEqual({ host: "shop.example.com", issuer: "acme", httpPort: 80, httpsPort: 443 });
    expect(proxyTls(model(""), false)).toBeUndefined();
  });

  it("takes the target's tls, ports and ACME email", () => {
    expect(proxyTls(model("    tls: acme\n    acmeEmail: ops@example.com\n    port: 8080\n    httpsPort: 8443\n"), false)).toEqual({
      host: "shop.example.com",
      issuer: "acme",
      email: "ops@example.com",
      httpPort: 8080,
      httpsPort: 8443,
    });
    expect(proxyTls(model("    tls: internal\n    acmeEmail: ops@example.com\n"), false)).toEqual({
      host: "shop.example.com",
      issuer: "internal",
      httpPort: 80,
      httpsPort: 443,
    });
    expect(proxyTls(model("    tls: off\n"), true)).toBeUndefined();
  });

  it("serves plain HTTP without ingress, or with ingress.tls false", () => {
    expect(proxyTls(model("    tls: acme\n", ""), true)).toBeUndefined();
    expect(proxyTls(model("    tls: acme\n", "ingress: { host: shop.example.com, tls: false }\n"), true)).toBeUndefined();
  });

  it("reports the HTTPS URL of the host name, or the server's HTTP URL", () => {
    expect(proxyUrl("203.0.113.7", 80, undefined)).toBe("http://203.0.113.7/");
    expect(proxyUrl("203.0.113.7", 8080, undefined)).toBe("http://203.0.113.7:8080/");
    expect(proxyUrl("203.0.113.7", 80, { host: "shop.example.com", issuer: "acme", httpPort: 80, httpsPort: 443 })).toBe(
      "https://shop.example.com/",
    );
    expect(proxyUrl("203.0.113.7", 80, { host: "shop.example.com", issuer: "internal", httpPort: 80, httpsPort: 8443 })).toBe(
      "https://shop.example.com:8443/",
    );
  });
});
