"""Rules: the model (ACT outcomes), rule definitions loaded from rules/*.yaml, standards tables and the engine."""
