"""Source connectors and normalisation into Post, Author and Interaction records."""
