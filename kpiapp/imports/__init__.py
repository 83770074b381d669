"""CSV import: read a file, map its columns, validate every row, then write all or nothing."""
