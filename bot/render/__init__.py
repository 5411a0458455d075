"""What users see besides texts: message splitting, the report chart, spreadsheet exports."""
