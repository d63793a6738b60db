"""The work Casebridge does in jobs: chat to Creatio, Creatio to chat, the job runner. Ports only."""
