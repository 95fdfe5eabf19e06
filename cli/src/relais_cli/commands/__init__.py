"""The `relais` commands, one module per family; importing them registers them."""
