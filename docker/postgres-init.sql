-- Mounted into /docker-entrypoint-initdb.d by docker-compose.yml. The postgres image runs it once,
-- on an empty data directory, as POSTGRES_USER (`echolot`, the superuser) after creating
-- POSTGRES_DB (`airflow`, Airflow's metadata). Echolot's own data gets a database of its own;
-- `echolot db migrate` (service airflow-init) creates its schema.
CREATE DATABASE echolot;
