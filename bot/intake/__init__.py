"""Getting updates in: stored raw in the inbox first (polling or webhook), then worked off by chat."""
