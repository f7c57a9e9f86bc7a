"""What netlab knows about Kafka from the outside: the step-by-step probe, real-client runners,
the static predictor (predict_rules) and the sentences that explain a failure (explain)."""
