"""The personal mode's questions: your own network measured as the simulated ones are."""
