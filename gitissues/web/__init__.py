"""`gi web`: a live board of the store in a browser (SPEC §11), served by the standard library.

`app` holds one running board (tokens, the follower, the server), `server` the HTTP checks,
`routes` what each path answers, `board` what the columns hold, `pages` and `issue_page` the
HTML, `markdown` the safe renderer, `graphsvg` the layered dependency graph, `live` the
activity follower that feeds `GET /events`, `writes` the JSON writes; `static/` the page's own
script and style (nothing is loaded from anywhere else).
"""
