"""The `multitude` command: one module per command group, all over one Node."""
