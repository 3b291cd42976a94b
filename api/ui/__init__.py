"""The web UI: server-rendered pages in Chinese, htmx for interaction, ECharts for dashboards."""
