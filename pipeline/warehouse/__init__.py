"""The DuckDB side: landing tables in the build database, the checks that gate a publication, the atomic
publish, the history carried from one publication to the next, freshness, the pseudonym key guard, locks."""
