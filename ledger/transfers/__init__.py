"""Transfers of vaccination records between municipalities, and the peers we exchange with."""
