"""The counting engine: pure FPTP and STV rule sets (no framework, no database)."""
