"""Contracted clinics (委託医療機関) and their API accounts."""
