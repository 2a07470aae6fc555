import { describe, expect, it } from "vitest";
import { HclSyntaxError, parseHcl } from "./hcl.js";

describe("parseHcl", () => {
  it("reads blocks, labels, attributes and nested blocks with their lines", () => {
    const blocks = parseHcl(
      `# a comment
resource "aws_security_group" "web" {
  name = "web" // trailing
  ingress {
    from_port   = 22
    cidr_blocks = ["0.0.0.0/0", var.office]
  }
  tags = { Name = "web", "env" : "prod" }
}

module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
}
`,
      "main.tf",
    );
    expect(blocks.map((b) => [b.type, b.labels, b.line, b.endLine])).toEqual([
      ["resource", ["aws_security_group", "web"], 2, 9],
      ["module", ["vpc"], 11, 13],
    ]);
    const sg = blocks[0]!;
    expect(sg.body.attributes.get("name")).toMatchObject({ value: "web", line: 3 });
    expect(sg.body.attributes.get("tags")?.value).toEqual({ Name: "web", env: "prod" });
    const ingress = sg.body.blocks[0]!;
    expect(ingress.line).toBe(4);
    expect(ingress.body.attributes.get("from_port")?.value).toBe(22);
    expect(ingress.body.attributes.get("cidr_blocks")?.value).toEqual(["0.0.0.0/0", { expr: "var.office" }]);
  });

  it("keeps expressions it does not evaluate and parses calls, heredocs and escapes", () => {
    const [b] = parseHcl(
      `resource "x" "y" {
  a = var.enabled ? 1 : 0
  b = [for s in var.list : upper(s)]
  c = jsonencode({ Statement = [{ Action = "s3:*", Resource = "*" }] })
  d = <<-EOT
    {"k": "v"}
  EOT
  e = "tab\\there \${var.x}"
  f = -1
  g = null
  h = aws_s3_bucket.b[0].arn
}`,
      "main.tf",
    );
    const v = (k: string) => b!.body.attributes.get(k)?.value;
    expect(v("a")).toEqual({ expr: "var.enabled ? 1 : 0" });
    expect(v("b")).toEqual({ expr: "[for s in var.list : upper(s)]" });
    expect(v("c")).toEqual({ call: "jsonencode", args: [{ Statement: [{ Action: "s3:*", Resource: "*" }] }] });
    expect(v("d")).toBe('{"k": "v"}\n');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: HCL interpolation syntax
    expect(v("e")).toBe("tab\there ${var.x}");
    expect(v("f")).toBe(-1);
    expect(v("g")).toBeNull();
    expect(v("h")).toEqual({ expr: "aws_s3_bucket.b[0].arn" });
  });

  it.each([
    ['resource "x" "y" {\n  a = "unterminated\n}', 2, /unterminated string/],
    ['resource "x" "y" {\n  a = 1\n', 3, /missing }/],
    ["a = [1, 2\n", 2, /expected , or \]/],
    ['resource "x" "y" {\n  = 1\n}', 2, /expected a name/],
  ])("reports %j at line %i", (text, line, message) => {
    try {
      parseHcl(text, "main.tf");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(HclSyntaxError);
      expect((error as HclSyntaxError).line).toBe(line);
      expect((error as HclSyntaxError).message).toMatch(message);
    }
  });
});
