-- pgferry test stand-in for the aiven_extras functions aiven-db-migrate calls. Written for the
-- tests from the documented signatures; every function runs as the extension's owner (a
-- superuser) and records a successful call in aiven_extras.calls.
\echo Use "CREATE EXTENSION aiven_extras" to load this file. \quit

GRANT USAGE ON SCHEMA aiven_extras TO PUBLIC;

CREATE TABLE aiven_extras.calls (
  id bigserial PRIMARY KEY,
  function_name text NOT NULL,
  object_name text,
  caller name NOT NULL DEFAULT session_user
);

CREATE TYPE aiven_extras.aiven_pg_subscription AS (
  subdbid oid, subname name, subowner oid, subenabled boolean, subconninfo text,
  subslotname name, subsynccommit text, subpublications text[]);

CREATE FUNCTION aiven_extras.pg_create_publication_for_all_tables(
    arg_publication_name text, arg_publish text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  EXECUTE format('CREATE PUBLICATION %I FOR ALL TABLES WITH (publish = %L)',
                 arg_publication_name, arg_publish);
  -- The caller owns it afterwards (and may drop it).
  EXECUTE format('ALTER PUBLICATION %I OWNER TO %I', arg_publication_name, session_user);
  INSERT INTO aiven_extras.calls (function_name, object_name)
    VALUES ('pg_create_publication_for_all_tables', arg_publication_name);
END
$fn$;

CREATE FUNCTION aiven_extras.pg_create_publication(
    arg_publication_name text, arg_publish text, VARIADIC arg_tables text[] DEFAULT '{}')
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  tables text := '';
  parts text[];
  t text;
BEGIN
  FOREACH t IN ARRAY arg_tables LOOP
    parts := parse_ident(t);
    IF array_length(parts, 1) > 2 THEN
      RAISE EXCEPTION 'table name % has more than schema and name', t;
    END IF;
    tables := tables || CASE WHEN tables = '' THEN '' ELSE ', ' END ||
              (SELECT string_agg(quote_ident(p), '.') FROM unnest(parts) AS p);
  END LOOP;
  IF tables = '' THEN
    EXECUTE format('CREATE PUBLICATION %I WITH (publish = %L)', arg_publication_name, arg_publish);
  ELSE
    EXECUTE format('CREATE PUBLICATION %I FOR TABLE %s WITH (publish = %L)',
                   arg_publication_name, tables, arg_publish);
  END IF;
  EXECUTE format('ALTER PUBLICATION %I OWNER TO %I', arg_publication_name, session_user);
  INSERT INTO aiven_extras.calls (function_name, object_name)
    VALUES ('pg_create_publication', arg_publication_name);
END
$fn$;

CREATE FUNCTION aiven_extras.pg_create_subscription(
    arg_subscription_name text, arg_connection_string text, arg_publication_name text,
    arg_slot_name text, arg_slot_create boolean DEFAULT false, arg_copy_data boolean DEFAULT true)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  IF arg_slot_create THEN
    RAISE EXCEPTION 'the pgferry stand-in for aiven_extras does not create slots';
  END IF;
  EXECUTE format('CREATE SUBSCRIPTION %I CONNECTION %L PUBLICATION %I '
                 'WITH (slot_name = %L, create_slot = false, copy_data = %s)',
                 arg_subscription_name, arg_connection_string, arg_publication_name,
                 arg_slot_name, CASE WHEN arg_copy_data THEN 'true' ELSE 'false' END);
  INSERT INTO aiven_extras.calls (function_name, object_name)
    VALUES ('pg_create_subscription', arg_subscription_name);
END
$fn$;

CREATE FUNCTION aiven_extras.pg_alter_subscription_disable(arg_subscription_name text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  EXECUTE format('ALTER SUBSCRIPTION %I DISABLE', arg_subscription_name);
  INSERT INTO aiven_extras.calls (function_name, object_name)
    VALUES ('pg_alter_subscription_disable', arg_subscription_name);
END
$fn$;

CREATE FUNCTION aiven_extras.pg_alter_subscription_enable(arg_subscription_name text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  EXECUTE format('ALTER SUBSCRIPTION %I ENABLE', arg_subscription_name);
  INSERT INTO aiven_extras.calls (function_name, object_name)
    VALUES ('pg_alter_subscription_enable', arg_subscription_name);
END
$fn$;

CREATE FUNCTION aiven_extras.pg_drop_subscription(arg_subscription_name text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_subscription WHERE subname = arg_subscription_name) THEN
    RAISE EXCEPTION 'subscription % does not exist', arg_subscription_name;
  END IF;
  EXECUTE format('ALTER SUBSCRIPTION %I DISABLE', arg_subscription_name);
  EXECUTE format('ALTER SUBSCRIPTION %I SET (slot_name = NONE)', arg_subscription_name);
  EXECUTE format('DROP SUBSCRIPTION %I', arg_subscription_name);
  INSERT INTO aiven_extras.calls (function_name, object_name)
    VALUES ('pg_drop_subscription', arg_subscription_name);
END
$fn$;

CREATE FUNCTION aiven_extras.pg_list_all_subscriptions()
RETURNS SETOF aiven_extras.aiven_pg_subscription
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  INSERT INTO aiven_extras.calls (function_name) VALUES ('pg_list_all_subscriptions');
  RETURN QUERY SELECT s.subdbid, s.subname, s.subowner, s.subenabled, s.subconninfo,
                      s.subslotname, s.subsynccommit, s.subpublications::text[]
                 FROM pg_subscription s;
END
$fn$;

-- ALTER SUBSCRIPTION ... REFRESH PUBLICATION may not run inside a function (the real extension
-- does it in C); the stand-in sends it, as the superuser that owns this function, over a dblink
-- connection of its own to this database (the test servers trust local socket connections).
CREATE FUNCTION aiven_extras.pg_alter_subscription_refresh_publication(
    arg_subscription_name text, arg_copy_data boolean DEFAULT true)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  CREATE EXTENSION IF NOT EXISTS dblink SCHEMA aiven_extras;
  PERFORM aiven_extras.dblink_exec(
    format('host=%s port=%s dbname=%s user=%s',
           split_part(current_setting('unix_socket_directories'), ',', 1),
           current_setting('port'), current_database(), current_user),
    format('ALTER SUBSCRIPTION %I REFRESH PUBLICATION WITH (copy_data = %s)', arg_subscription_name,
           CASE WHEN arg_copy_data THEN 'true' ELSE 'false' END));
  INSERT INTO aiven_extras.calls (function_name, object_name)
    VALUES ('pg_alter_subscription_refresh_publication', arg_subscription_name);
END
$fn$;
