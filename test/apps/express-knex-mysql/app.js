const express = require("express");
const cookieParser = require("cookie-parser");
const pinoHttp = require("pino-http");
const rooms = require("./routes/rooms");

const app = express();

app.use(pinoHttp());
app.use(express.json());
app.use(cookieParser());

app.get("/", (req, res) => {
  res.json({ service: "bookings", docs: "/rooms" });
});
app.get("/health", (req, res) => res.send("ok"));
app.use("/rooms", rooms);

app.use((req, res) => res.status(404).json({ error: "not found" }));
app.use((err, req, res, next) => {
  req.log.error(err);
  res.status(500).json({ error: "internal error" });
});

module.exports = app;
