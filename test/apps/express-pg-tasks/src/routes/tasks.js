const express = require("express");
const db = require("../db");

const router = express.Router();

router.get("/", async (req, res, next) => {
  try {
    const { rows } = await db.query(
      "SELECT id, title, done, created_at FROM tasks WHERE list = $1 ORDER BY done, created_at DESC LIMIT 200",
      [req.query.list || "inbox"],
    );
    res.json(rows);
  } catch (err) {
    next(err);
  }
});

router.post("/", async (req, res, next) => {
  const title = String(req.body.title || "").trim();
  if (!title) return res.status(400).json({ error: "title is required" });
  try {
    const { rows } = await db.query("INSERT INTO tasks (title, list) VALUES ($1, $2) RETURNING id, title, done, created_at", [
      title,
      req.body.list || "inbox",
    ]);
    res.status(201).json(rows[0]);
  } catch (err) {
    next(err);
  }
});

router.patch("/:id", async (req, res, next) => {
  try {
    const { rowCount } = await db.query("UPDATE tasks SET done = $1, updated_at = now() WHERE id = $2", [Boolean(req.body.done), req.params.id]);
    if (rowCount === 0) return res.status(404).json({ error: "no such task" });
    res.status(204).end();
  } catch (err) {
    next(err);
  }
});

module.exports = router;
