"""Multilingual lottery tickets to pretrain language models (Lee & Hwang, 2023)."""

__version__ = "0.1.0"
