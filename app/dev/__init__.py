"""Development only: `casebridge dev` (`make run`), Casebridge and the Creatio sandbox in one process."""
