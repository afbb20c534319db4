"""Residents (宛名): the register, matching a form to a person, My Number, disclosure."""
