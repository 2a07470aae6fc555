const crypto = require("node:crypto");
const express = require("express");
const session = require("express-session");
const morgan = require("morgan");
const db = require("./db");
const tasks = require("./routes/tasks");

const app = express();
app.set("trust proxy", 1);
app.use(morgan("combined"));
app.use(express.json());
app.use(express.static("public"));
app.use(
  session({
    secret: process.env.SESSION_SECRET || "dev-only-secret",
    resave: false,
    saveUninitialized: false,
    cookie: { secure: process.env.NODE_ENV === "production", sameSite: "lax" },
  }),
);

// Webhooks from the chat integration are signed with a shared key.
app.post("/hooks/chat", express.raw({ type: "*/*" }), (req, res) => {
  const key = process.env.WEBHOOK_SIGNING_KEY;
  if (!key) return res.status(503).json({ error: "webhooks are not configured" });
  const expected = crypto.createHmac("sha256", key).update(req.body).digest("hex");
  const given = String(req.get("x-signature") || "");
  if (given.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
    return res.status(401).end();
  }
  res.status(202).end();
});

app.use("/api/tasks", tasks);

app.get("/healthz", (req, res) => {
  res.json({ status: "ok", uptime: Math.round(process.uptime()) });
});

app.get("/readyz", async (req, res) => {
  try {
    await db.query("SELECT 1");
    res.json({ status: "ready" });
  } catch (err) {
    res.status(503).json({ status: "database unreachable", error: err.code });
  }
});

app.use((err, req, res, next) => {
  console.error(err);
  res.status(500).json({ error: "internal error" });
});

module.exports = app;
