"""The notebooks' figures, so that the notebooks stay thin."""
