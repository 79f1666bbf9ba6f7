"""Web pages, one module per area; each page shows what its JSON route returns."""
