"""Development conveniences, not the product: `make demo`'s supervisor and the embedded Redis runner."""
