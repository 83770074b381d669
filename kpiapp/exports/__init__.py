"""Files people take away: a data list as CSV in the importer's columns (`records`), a report as CSV
(`report_csv`) or PDF (`report_pdf`), all CSV written in one dialect (`csv_dialect`)."""
