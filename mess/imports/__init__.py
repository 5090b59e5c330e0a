"""Imports from the mess office's CSV files, all or nothing: the shared reader (reader.py) and one
module per kind of file (students.py, waste.py, feedback.py)."""
