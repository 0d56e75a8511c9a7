-- Seed data for tests (runs once, on first start, in $POSTGRES_DB).
CREATE TABLE items (
    id   serial PRIMARY KEY,
    name text   NOT NULL
);

INSERT INTO items (name) VALUES ('alpha'), ('bravo'), ('charlie');
