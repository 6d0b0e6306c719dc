"""Where a portal is described: the site profile and the URL forms of Liferay."""
