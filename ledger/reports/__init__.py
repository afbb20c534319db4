"""The ledger's reports: clinic claims, dose counts for the state, reminders."""
