-- The SMS locator and the search box look for a word inside refuge names
-- (like '%word%' on the folded name, see src/sms/queries.ts). Without an index that
-- folded every name of the network per message: 230 ms of the server per SMS alert
-- at 100,000 places (the soak). Trigrams index exactly that expression.
create extension if not exists pg_trgm;
create index places_name_folded_trgm on places
  using gin (translate(lower(name), 'àâäáéèêëíîïóôöúùûüçñœ', 'aaaaeeeeiiiooouuuucno') gin_trgm_ops);
