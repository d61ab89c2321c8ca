-- pgferry test extension: a configuration table (rows belong to the user, so pg_dump dumps
-- them) that CREATE EXTENSION fills with one default row.
\echo Use "CREATE EXTENSION pgferry_test_config" to load this file. \quit

CREATE TABLE pgferry_test_config.settings (
  name text PRIMARY KEY,
  value text NOT NULL
);
INSERT INTO pgferry_test_config.settings VALUES ('default', 'shipped with the extension');
SELECT pg_catalog.pg_extension_config_dump('pgferry_test_config.settings', '');
