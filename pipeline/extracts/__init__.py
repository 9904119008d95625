"""What an extract is: its kinds (one `Extract` per kind), columns, Pandera schemas, parsing of text into typed
values, pseudonyms, the reference facts and the rules a row can break. Nothing here reads a file."""
