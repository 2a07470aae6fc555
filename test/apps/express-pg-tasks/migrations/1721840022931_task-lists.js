exports.up = (pgm) => {
  pgm.addColumns("tasks", {
    list: { type: "varchar(60)", notNull: true, default: "inbox" },
    updated_at: { type: "timestamptz" },
  });
  pgm.createIndex("tasks", ["list", "done"]);
};

exports.down = (pgm) => {
  pgm.dropIndex("tasks", ["list", "done"]);
  pgm.dropColumns("tasks", ["list", "updated_at"]);
};
