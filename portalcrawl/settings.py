"""Scrapy settings: polite by default against a public service on modest hardware.

Lift the politeness for a local copy with `--set DOWNLOAD_DELAY=0 --set AUTOTHROTTLE_ENABLED=0
--set CONCURRENT_REQUESTS=8`; never against the real portal.
"""

BOT_NAME = "portalcrawl"
SPIDER_MODULES = ["portalcrawl.spiders"]
NEWSPIDER_MODULE = "portalcrawl.spiders"

# What the crawl reads and writes (the monitor passes these; `scrapy crawl portal -s ...` too).
PORTALCRAWL_URL = "https://dongthap.gov.vn"
PORTALCRAWL_DB = "data/portal.sqlite3"
PORTALCRAWL_PROFILE = "dongthap"
PORTALCRAWL_SECTIONS: list[str] = []
PORTALCRAWL_FULL = False
PORTALCRAWL_REVISIT_HOURS = 48
PORTALCRAWL_PAGE_SIZE = 0  # listing page size; 0: the profile's (75)
PORTALCRAWL_RUN_ID = 0
PORTALCRAWL_PROGRESS = False
# The store commits its open batch of articles at least this often (and every 200 articles).
PORTALCRAWL_COMMIT_SECONDS = 1.0
# The crawl reads article pages in a helper process (a second core: portalcrawl/reading.py);
# False: in the crawl's own process. Either way the same items (portalcrawl/parsing/reader.py).
PORTALCRAWL_READER_PROCESS = True
# Responses that made a stored change are archived as WARC (portalcrawl/archive/warc.py) in
# PORTALCRAWL_ARCHIVE_DIR ("": archive/ beside the store), files rotated at ..._MAX_MB.
PORTALCRAWL_ARCHIVE = True
PORTALCRAWL_ARCHIVE_DIR = ""
PORTALCRAWL_ARCHIVE_MAX_MB = 100
# The run's budget (portalcrawl/politeness.py): requests (0: no limit) and seconds (0: none);
# at either the run ends cleanly as a partial run. Retry-After waits past the cap end it too.
PORTALCRAWL_MAX_REQUESTS = 0
PORTALCRAWL_TIME_BUDGET = 0.0
PORTALCRAWL_RETRY_AFTER_MAX = 900.0
PORTALCRAWL_MAINTENANCE_BURST = 5  # 503s in a row without Retry-After: the portal is down
PORTALCRAWL_POLITENESS_ENABLED = True
# Field rules: the rolling audit's cycle, and how long a 404 must last to be a removal.
PORTALCRAWL_AUDIT_CYCLE_HOURS = 168.0
PORTALCRAWL_REMOVAL_CONFIRM_MINUTES = 30.0

# Honest and reachable: operators should put their own address here (config [crawl.settings]).
USER_AGENT = (
    "portalcrawl/0.1 (news and press-release change monitor; "
    "+https://github.com/portalcrawl/portalcrawl; mailto:portalcrawl-ops@users.noreply.github.com)"
)
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS = 2
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Items of one response go through the pipelines one after another (they are synchronous):
# Scrapy's default of 100 starts 100 asyncio tasks per response for nothing.
CONCURRENT_ITEMS = 1
# Scrapy re-reads and parses a callback's source on most responses to warn about `return x`
# in a generator: a development aid that costs a crawl a tenth of its time.
WARN_ON_GENERATOR_RETURN_VALUE = False
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False

RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 1.0
RETRY_BACKOFF_MAX = 30.0

# Nothing that listens: the remote-control extension runs code, the telnet console too.
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "portalcrawl.middlewares.BackoffRetryMiddleware": 550,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "portalcrawl.middlewares.PortalRedirectMiddleware": 600,
    # Closest to the network: counts every request sent, floors the slot delay, holds it.
    "portalcrawl.politeness.PolitenessMiddleware": 960,
}
# Neither is of use here, and each wraps every callback's output: depth stats (no DEPTH_LIMIT)
# and a development-time warning about copied meta keys.
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
    # Outermost on the way out: any callback's exception is a failed page, never a lost one.
    "portalcrawl.spiders.unreadable.UnreadablePages": 10,
}
ITEM_PIPELINES = {
    "portalcrawl.pipelines.ValidatePipeline": 100,
    "portalcrawl.pipelines.StorePipeline": 400,
}
EXTENSIONS = {
    # Article pages read in a helper process, forked here (PORTALCRAWL_READER_PROCESS).
    "portalcrawl.reading.CrawlPageReader": 50,
    # The run row: claimed when the spider opens, closed with its status when it closes.
    "portalcrawl.runlife.RunLife": 100,
    "portalcrawl.progress.Progress": 500,
}

# The spider asks for each article once; Scrapy's filter still catches a redirect to a page
# already fetched. Same filter, each fingerprint in 8 bytes (portalcrawl/dupefilter.py).
DUPEFILTER_CLASS = "portalcrawl.dupefilter.CompactDupeFilter"

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
