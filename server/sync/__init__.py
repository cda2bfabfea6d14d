"""The sync engine: planning, pushing, records, locks and jobs that keep marketplaces true."""
