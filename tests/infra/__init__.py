"""Templates, IAM, the deployment package and the deploy script ."""
