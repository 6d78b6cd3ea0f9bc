"""The web pages: server-rendered (Jinja2), HTMX for partial updates, the pack's charts
(Plotly, served locally). Each page calls the same services as the CLI and the API."""
