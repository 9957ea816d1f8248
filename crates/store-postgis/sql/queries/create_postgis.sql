-- Installs PostGIS in `public`, so that every wangge schema finds it on its search path.
CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public
