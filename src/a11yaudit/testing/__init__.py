"""Test helpers shipped with the package (the fault-injection site is also used by bench/ scripts)."""
