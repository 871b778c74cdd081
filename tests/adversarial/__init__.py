"""Adversarial tests: attackers and careless users against the promises crossplay makes."""
