"""Scrapy project that crawls the Đồng Tháp portal's news and press sections into SQLite."""
