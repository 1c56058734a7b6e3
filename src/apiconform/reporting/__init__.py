"""Reporting: the one redaction step, Allure labels and attachments, report files, the terminal summary."""
