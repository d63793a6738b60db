"""Casebridge: connects an AI customer-support chat platform to the Creatio CRM."""
