"""Vaccination certificates (接種証明書): issuance, PDF, SMART Health Cards, keys, FHIR."""
