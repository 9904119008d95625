"""Raw files to landing rows: the limits a file must respect, the readers (delimited text, XLSX, DECP JSON and
XML), validation into loaded, quarantined and pending rows, and the assembly of every file of a kind."""
