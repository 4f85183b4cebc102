"""Our numpy layers and models: what the official modules re-export, and nets beyond the course."""
