"""ManageIt's SQLite database backend (ENGINE "manageit.sqlite"): Django's, with its writers served in
turn; see base.py."""
