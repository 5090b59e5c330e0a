"""The web pages, by who uses them (officials.py, admins.py, students.py, accounts.py), with who may
see what in access.py. Views check who may see what, then call the features' reads and writes
(mess/waste.py, feedback.py, ...); each page costs a fixed, small number of queries."""
