"""The pages' forms, one module per feature beside its pages (mess/forms/waste.py serves
mess/views/waste.py), and what they share in common.py. They parse and check what people typed by
the features' rules, so that each problem shows beside its field; the services write it."""
