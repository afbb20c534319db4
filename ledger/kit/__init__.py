"""Small helpers the domains share: check digits, names, romaji, CSV cells, vaccines, addresses."""
