-- Clears the key-site list before it is written anew.
DELETE FROM key_sites
