"""Scrapy spiders: the portal spider and the walk decisions it takes."""
