"""Ledger records (予防接種台帳): writing, correcting and voiding doses; committing a page."""
