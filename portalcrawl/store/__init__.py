"""The SQLite store: schema, migrations, articles, runs, the crawl's own state."""
