"""Dentally Setup: links a practice's Stripe account to the Dentally Portal."""

__version__ = "0.1.0"
APP_NAME = "Dentally Setup"
