// Placeholder until the libpq adapter lands.
