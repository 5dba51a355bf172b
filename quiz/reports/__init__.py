"""Reports: official result spreadsheets (.xlsx and .csv)."""
