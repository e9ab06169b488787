"""Debian's Chromium for every browser test: never a downloaded browser, never the network."""

CHROMIUM = "/usr/bin/chromium"
# Each flag was needed on these machines (../shared/recipes/browser-webrtc-tests.md).
PAGE_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
]
CALL_ARGS = [
    *PAGE_ARGS,
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
]
