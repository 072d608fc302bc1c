"""(Registered in ProgrammesConfig.ready(); filled in by the issue's work.)"""


def register() -> None:
    pass
