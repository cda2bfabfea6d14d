"""Telegram: alerts on critical errors and the bot that answers stock, status and sync commands.

Alerts travel through Redis (`queue`): every process that raises one queues it after a Redis-side
cooldown check; `sender` loops (in the worker and the bot process) deliver them, rate-limited.
The bot (`python -m server.telegram`) is an aiogram dispatcher with one router per command group.
"""
