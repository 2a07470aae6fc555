exports.up = async (knex) => {
  await knex.schema.createTable("rooms", (t) => {
    t.increments("id");
    t.string("name", 80).notNullable().unique();
    t.integer("seats").unsigned().notNullable();
  });
  await knex.schema.createTable("members", (t) => {
    t.increments("id");
    t.string("email", 200).notNullable().unique();
    t.timestamp("joined_at").defaultTo(knex.fn.now());
  });
};

exports.down = async (knex) => {
  await knex.schema.dropTable("members");
  await knex.schema.dropTable("rooms");
};
