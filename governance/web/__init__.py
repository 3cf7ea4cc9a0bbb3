"""Server-rendered pages: the Jinja environment, the base layout, and the site-wide routes."""
