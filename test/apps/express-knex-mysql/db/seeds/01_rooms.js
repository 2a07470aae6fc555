exports.seed = async (knex) => {
  await knex("rooms").insert([
    { name: "Attic", seats: 4 },
    { name: "Boardroom", seats: 12 },
    { name: "Phone box", seats: 1 },
  ]).onConflict("name").ignore();
};
