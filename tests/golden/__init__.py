"""Golden files of the publishing formats and the fixed input they come from."""
