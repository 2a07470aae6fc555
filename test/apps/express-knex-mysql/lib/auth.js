const jwt = require("jsonwebtoken");

const secret = process.env.JWT_SECRET;

function requireMember(req, res, next) {
  const token = req.cookies.session || (req.get("authorization") || "").replace(/^Bearer /, "");
  if (!secret) return res.status(503).json({ error: "JWT_SECRET is not set" });
  try {
    req.member = jwt.verify(token, secret);
    next();
  } catch {
    res.status(401).json({ error: "sign in first" });
  }
}

function issue(member) {
  return jwt.sign({ sub: member.id, email: member.email }, secret, { expiresIn: "8h" });
}

module.exports = { requireMember, issue };
