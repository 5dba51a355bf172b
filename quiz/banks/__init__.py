"""Question banks on the yearly topics."""
