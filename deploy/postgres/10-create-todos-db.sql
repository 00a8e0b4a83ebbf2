-- Runs once, when the postgres volume is first initialised (docker-entrypoint-initdb.d),
-- as the superuser from POSTGRES_USER. The `hanko` database already exists
-- (POSTGRES_DB); this adds a separate database and role for the backend's todos,
-- so the two applications never share tables or credentials.
--
-- DEVELOPMENT-ONLY credentials. To re-run this script: docker compose down -v
CREATE ROLE todos WITH LOGIN PASSWORD 'todos';
CREATE DATABASE todos OWNER todos;
REVOKE ALL ON DATABASE todos FROM PUBLIC;
REVOKE ALL ON DATABASE hanko FROM PUBLIC;
