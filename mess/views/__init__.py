"""The web pages, one module per feature, beside the feature's module (mess/views/waste.py shows what
mess/waste.py reads and writes; the dashboard and the front page gather several), with who may see
what in access.py. Views check who may see what, then call the features' reads and writes; each page
costs a fixed, small number of queries."""
