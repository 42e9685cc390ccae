"""Server-rendered pages: the citizen app, the partner portal, the operator console and the
public dashboard. Chinese by default with an English switch; every script, style and chart
library is served by the platform itself."""
