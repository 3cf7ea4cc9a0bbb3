"""Organisations (tenants): their type, time zone and constitution settings."""
