"""How the project starts Debian's Chromium: one place for the browser tests and Lighthouse.

The flags keep it headless and quiet: without the background-networking ones
Chromium tries to reach Google's services at start, which this project never allows.
"""
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
