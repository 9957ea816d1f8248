-- Creates the store's schema and points this transaction's search path at it and at PostGIS.
CREATE SCHEMA IF NOT EXISTS {schema};
SET LOCAL search_path TO {schema}, {postgis}
