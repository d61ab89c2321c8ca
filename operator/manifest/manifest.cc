// Placeholder until the manifest loader lands.
