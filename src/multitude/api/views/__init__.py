"""What pages and API routes both show: each view reads the node and returns a model that the
API sends as JSON and a page renders."""
