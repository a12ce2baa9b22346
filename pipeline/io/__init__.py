"""Reading inputs and writing records, tables and manifests."""
