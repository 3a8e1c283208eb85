"""How the browser tests and Lighthouse see the built site: Debian's Chromium, and a server on 127.0.0.1.

* :mod:`.headless_chromium` -- the Chromium binary and its flags (nothing leaves the machine);
* :mod:`.local_site_server` -- serves a built ``site/`` folder on 127.0.0.1, gzipped or not.
"""
