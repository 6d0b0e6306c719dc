"""Pages to fields: selectors, listing pages, article pages, loaders, the page reader."""
