"""BetterBank Card Operations: everything the Lambda functions run."""
