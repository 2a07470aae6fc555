/* eslint-disable camelcase */

exports.up = (pgm) => {
  pgm.createTable("tasks", {
    id: "id",
    title: { type: "text", notNull: true },
    done: { type: "boolean", notNull: true, default: false },
    created_at: { type: "timestamptz", notNull: true, default: pgm.func("now()") },
  });
};

exports.down = (pgm) => {
  pgm.dropTable("tasks");
};
