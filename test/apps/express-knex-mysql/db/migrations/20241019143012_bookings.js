exports.up = (knex) =>
  knex.schema.createTable("bookings", (t) => {
    t.increments("id");
    t.integer("room_id").unsigned().notNullable().references("rooms.id").onDelete("CASCADE");
    t.integer("member_id").unsigned().notNullable().references("members.id");
    t.datetime("starts_at").notNullable();
    t.datetime("ends_at").notNullable();
    t.index(["room_id", "starts_at"]);
  });

exports.down = (knex) => knex.schema.dropTable("bookings");
