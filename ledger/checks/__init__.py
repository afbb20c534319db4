"""Checks of a form's values: its rules, what the records refute or confirm, doubt, second check."""
