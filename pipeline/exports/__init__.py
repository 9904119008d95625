"""What people read, from the published warehouse: the workbook, the report, CSV and Parquet, the returns to
each sender, e-mail alerts, statistical secrecy, French labels, and the generated data dictionary."""
