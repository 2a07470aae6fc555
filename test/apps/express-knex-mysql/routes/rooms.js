const express = require("express");
const db = require("../lib/db");
const { requireMember } = require("../lib/auth");

const router = express.Router();

router.get("/", async (req, res, next) => {
  try {
    res.json(await db("rooms").select("id", "name", "seats").orderBy("name"));
  } catch (err) {
    next(err);
  }
});

router.get("/:id/bookings", async (req, res, next) => {
  try {
    const day = req.query.day || new Date().toISOString().slice(0, 10);
    const rows = await db("bookings")
      .where({ room_id: req.params.id })
      .andWhereRaw("DATE(starts_at) = ?", [day])
      .orderBy("starts_at");
    res.json(rows);
  } catch (err) {
    next(err);
  }
});

router.post("/:id/bookings", requireMember, async (req, res, next) => {
  const { startsAt, endsAt } = req.body;
  if (!startsAt || !endsAt || endsAt <= startsAt) return res.status(400).json({ error: "startsAt < endsAt required" });
  try {
    const id = await db.transaction(async (trx) => {
      const clash = await trx("bookings")
        .where({ room_id: req.params.id })
        .andWhere("starts_at", "<", endsAt)
        .andWhere("ends_at", ">", startsAt)
        .forUpdate()
        .first();
      if (clash) return undefined;
      const [inserted] = await trx("bookings").insert({ room_id: req.params.id, member_id: req.member.sub, starts_at: startsAt, ends_at: endsAt });
      return inserted;
    });
    if (id === undefined) return res.status(409).json({ error: "the room is taken then" });
    res.status(201).json({ id });
  } catch (err) {
    next(err);
  }
});

module.exports = router;
